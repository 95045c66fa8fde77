/**
 * Shell-style wildcard patterns for the admission list: `*` any run of characters (empty too),
 * `?` exactly one; every other character stands for itself.
 */
export function compileWildcard(pattern: string): RegExp {
  let source = '';
  for (const ch of pattern) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}
