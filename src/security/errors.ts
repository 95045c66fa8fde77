/**
 * Errors of the security files (password_file, acl_file, mqttsn_admission_file): each names the
 * file and the line, like the config loader's errors, so an operator can fix the file at once.
 */
export class SecurityFileError extends Error {
  override readonly name = 'SecurityFileError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
  }
}

/** Lines of a text file with their 1-based numbers, trimmed; blank lines and `#` comments dropped. */
export function meaningfulLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    if (trimmed.length === 0 || trimmed.startsWith('#')) continue;
    out.push({ line: i + 1, text: trimmed });
  }
  return out;
}
