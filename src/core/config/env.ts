import { type Document, isScalar, parse, visit } from 'yaml';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in string values with environment variables. A value that
 * is one reference only is re-read as YAML, so `${BAUD:-921600}` becomes a number. Returns the
 * references that had neither a value nor a default, with their key path, so they are reported.
 */
export function substituteEnv(doc: Document, env: NodeJS.ProcessEnv): { path: (string | number)[]; name: string }[] {
  const missing: { path: (string | number)[]; name: string }[] = [];
  visit(doc, {
    Scalar(_key, node, ancestry) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return;
      const text = node.value;
      const whole = text.match(/^\$\{[^}]*\}$/) !== null;
      const replaced = text.replace(REFERENCE, (_all, name: string, fallback: string | undefined) => {
        const value = env[name];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        missing.push({ path: pathOf(ancestry, node), name });
        return '';
      });
      node.value = whole ? asYaml(replaced) : replaced;
    },
  });
  return missing;
}

/** A variable's value read as YAML (`921600` a number), or kept as text when it is not valid YAML. */
function asYaml(text: string): unknown {
  try {
    return (parse(text, { maxAliasCount: 0 }) as unknown) ?? '';
  } catch {
    return text;
  }
}

function pathOf(ancestry: readonly unknown[], target: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  let child: unknown = target;
  for (let i = ancestry.length - 1; i >= 0; i--) {
    const parent = ancestry[i] as { key?: unknown; value?: unknown; items?: unknown[] };
    if (parent && 'key' in parent && parent.value === child && isScalar(parent.key)) path.unshift(String(parent.key.value));
    else if (parent && Array.isArray(parent.items) && !('key' in parent)) {
      const index = parent.items.indexOf(child);
      if (index >= 0 && (parent as { constructor: { name: string } }).constructor.name === 'YAMLSeq') path.unshift(index);
    }
    child = parent;
  }
  return path;
}
