import dgram from 'node:dgram';

/**
 * An iperf3-style UDP sender: each datagram starts with u32 sec, u32 usec and u32 seq, big-endian,
 * seq from 1. `order` lists the sequence numbers in the order to send, so a test induces loss (a
 * number left out) and reordering (numbers swapped).
 */
export async function sendIperfDatagrams(port: number, order: readonly number[], size = 64, host = '127.0.0.1'): Promise<void> {
  const socket = dgram.createSocket('udp4');
  try {
    for (let i = 0; i < order.length; i++) {
      const datagram = Buffer.alloc(size);
      const nowUs = Date.now() * 1000;
      datagram.writeUInt32BE(Math.floor(nowUs / 1e6), 0);
      datagram.writeUInt32BE(nowUs % 1e6, 4);
      datagram.writeUInt32BE(order[i], 8);
      await new Promise<void>((resolve, reject) => socket.send(datagram, port, host, (error) => (error ? reject(error) : resolve())));
    }
  } finally {
    socket.close();
  }
}

/** Sends one datagram of `size` bytes. */
export async function sendDatagram(port: number, size: number, host = '127.0.0.1'): Promise<void> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => socket.send(Buffer.alloc(size, 0xab), port, host, (error) => (error ? reject(error) : resolve())));
  socket.close();
}
