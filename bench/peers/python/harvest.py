"""Python peer: the recorder an energy-harvesting testbed writes around numpy and HDF5.

Reads the reference byte stream in blocks, finds frames with bytes.find (0x7B, u16 length at offset 8,
0x7D at the end), checks CRC-16/IBM-3740 with binascii.crc_hqx(data, 0xFFFF), decodes the sample
payloads with numpy (frombuffer), unwraps the u32 tick counter, calibrates and appends t_ns (int64),
voltage and current (float64) to chunked h5py datasets compressed with gzip level 1.

    python3 harvest.py INPUT OUTFILE.h5 [--max-bytes N]

Prints one JSON line: frames good/bad, samples, sums of the raw values (to compare decoders).
"""
import binascii
import json
import sys

import h5py
import numpy as np

BLOCK = 4 << 20
MAX_PAYLOAD = 4096
OVERHEAD = 13
CHUNK = 65536  # samples per HDF5 chunk


def scan(buf, final, stats):
    """Returns (payload start offsets, frame ticks, bytes consumed) of the good frames in buf."""
    starts, ticks = [], []
    pos, end = 0, len(buf)
    view = memoryview(buf)
    while pos + OVERHEAD <= end:
        at = buf.find(b"\x7b", pos)
        if at < 0:
            stats["resync_bytes"] += end - pos
            pos = end
            break
        stats["resync_bytes"] += at - pos
        pos = at
        if pos + OVERHEAD > end:
            break
        n = buf[pos + 8] | buf[pos + 9] << 8
        total = n + OVERHEAD
        if n > MAX_PAYLOAD or (pos + total > end and final):
            pos += 1
            stats["resync_bytes"] += 1
            continue
        if pos + total > end:
            break
        if buf[pos + total - 1] != 0x7D:
            pos += 1
            stats["resync_bytes"] += 1
            continue
        crc = buf[pos + 10 + n] | buf[pos + 11 + n] << 8
        if binascii.crc_hqx(view[pos + 1 : pos + 10 + n], 0xFFFF) != crc:
            stats["frames_bad"] += 1
            stats["resync_bytes"] += 1
            pos += 1
            continue
        starts.append(pos + 10)
        ticks.append(int.from_bytes(buf[pos + 4 : pos + 8], "little"))
        stats["frames_good"] += 1
        pos += total
    if final:
        stats["resync_bytes"] += end - pos
        pos = end
    return starts, ticks, pos


def main():
    args = sys.argv[1:]
    max_bytes = int(args[args.index("--max-bytes") + 1]) if "--max-bytes" in args else 0
    src, out = args[0], args[1]
    stats = {"frames_good": 0, "frames_bad": 0, "resync_bytes": 0}
    samples = 0
    sum_v = 0
    sum_i = 0
    bytes_in = 0
    wraps = 0
    last_ticks = 0
    with open(src, "rb") as f, h5py.File(out, "w") as h5:
        datasets = {
            name: h5.create_dataset(name, shape=(0,), maxshape=(None,), dtype=dtype, chunks=(CHUNK,), compression="gzip", compression_opts=1)
            for name, dtype in (("t_ns", "i8"), ("voltage", "f8"), ("current", "f8"))
        }
        datasets["voltage"].attrs["gain"] = 3e-9
        datasets["current"].attrs["gain"] = 250e-12
        carry = b""
        while True:
            want = BLOCK if not max_bytes else min(BLOCK, max_bytes - bytes_in)
            block = f.read(want) if want > 0 else b""
            bytes_in += len(block)
            final = len(block) == 0
            buf = carry + block
            starts, ticks, used = scan(buf, final, stats)
            carry = buf[used:]
            if starts:
                # The harvester sends only 25-sample blocks (200-byte payloads), as a testbed recorder
                # for one device type assumes: gather the payloads into one (frames, 25, 2) array.
                raw = np.frombuffer(buf, dtype=np.uint8)
                index = np.asarray(starts, dtype=np.int64)[:, None] + np.arange(200, dtype=np.int64)
                values = raw[index].view("<u4").reshape(len(starts), 25, 2)
                v_raw = values[:, :, 0].ravel()
                i_raw = values[:, :, 1].ravel()
                t = np.asarray(ticks, dtype=np.int64)
                steps = np.diff(t, prepend=last_ticks)
                unwrapped = t + (wraps + np.cumsum(steps < 0)) * (1 << 32)
                wraps += int(np.count_nonzero(steps < 0))
                last_ticks = int(t[-1])
                t_ns = (unwrapped[:, None] * 1000 + np.arange(25, dtype=np.int64) * 10000).ravel()
                columns = {"t_ns": t_ns, "voltage": v_raw * 3e-9, "current": i_raw * 250e-12}
                n = len(t_ns)
                for name, data in columns.items():
                    ds = datasets[name]
                    ds.resize((samples + n,))
                    ds[samples:] = data
                samples += n
                sum_v += int(v_raw.sum(dtype=np.uint64))
                sum_i += int(i_raw.sum(dtype=np.uint64))
            if final:
                break
    print(json.dumps({"peer": "python", "bytes_in": bytes_in, **stats, "samples": samples, "sum_voltage_raw": str(sum_v), "sum_current_raw": str(sum_i)}))


if __name__ == "__main__":
    main()
