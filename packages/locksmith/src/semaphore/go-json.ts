/**
 * JSON string encoding as Go's encoding/json.Marshal does it (the encoder locksmith used), so a
 * value written here is byte-identical to one written by locksmith:
 * - `<`, `>`, `&`, U+2028 and U+2029 are escaped as \u003c, \u003e, \u0026, \u2028, \u2029;
 * - control characters are \n, \r, \t or \u00XX with lower-case hex (Go before 1.22 had no \b, \f);
 * - invalid UTF-16 (a lone surrogate, Go's invalid UTF-8) becomes U+FFFD.
 */
export function goJsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text[i]! + text[i + 1]!;
        i++;
      } else {
        out += '\ufffd';
      }
      continue;
    }
    if (code >= 0xdc00 && code <= 0xdfff) {
      out += '\ufffd';
      continue;
    }
    out += escapeCodeUnit(code, text[i]!);
  }
  return `${out}"`;
}

function escapeCodeUnit(code: number, char: string): string {
  switch (char) {
    case '"':
      return '\\"';
    case '\\':
      return '\\\\';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default:
      if (code < 0x20 || char === '<' || char === '>' || char === '&' || code === 0x2028 || code === 0x2029) {
        return `\\u${code.toString(16).padStart(4, '0')}`;
      }
      return char;
  }
}
