/**
 * Shell-style wildcard patterns for the admission list: `*` any run of characters (empty too),
 * `?` exactly one; every other character stands for itself.
 *
 * Matched by hand, not with a RegExp: `a*b*c*d` as `^a.*b.*c.*d$` backtracks polynomially on a
 * near-miss, and the text is peer-chosen (a ClientId, a forwarder's node id in the address key):
 * a 400-character key against a four-star pattern blocked the event loop for over a second. This
 * matcher keeps only the last `*` to fall back to, so it takes at most pattern × text steps.
 */
export interface WildcardPattern {
  test(text: string): boolean;
}

export function compileWildcard(pattern: string): WildcardPattern {
  const symbols = [...pattern];
  return { test: (text) => wildcardMatches(symbols, [...text]) };
}

/** Whether `text` matches `pattern`, both as arrays of characters (code points). */
function wildcardMatches(pattern: readonly string[], text: readonly string[]): boolean {
  let p = 0;
  let t = 0;
  /** Position of the last `*` seen, and where in the text it started matching. */
  let star = -1;
  let starText = 0;
  while (t < text.length) {
    const symbol = pattern[p];
    if (symbol === '*') {
      star = p++;
      starText = t;
    } else if (symbol !== undefined && (symbol === '?' || symbol === text[t])) {
      p++;
      t++;
    } else if (star >= 0) {
      // Let the last `*` swallow one more character and try the rest again from there.
      p = star + 1;
      t = ++starText;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}
