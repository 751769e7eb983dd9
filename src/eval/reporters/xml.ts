/**
 * Escapes text for XML 1.0 content and attribute values: the five predefined
 * entities, and every character XML 1.0 cannot hold at all (C0 controls other
 * than tab, LF and CR; U+FFFE/U+FFFF; lone surrogates) replaced by U+FFFD.
 * In attributes, tab, LF and CR are written as character references so that
 * attribute-value normalization keeps them.
 */
export function escapeXml(text: string, attribute = false): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        out += text[i]! + text[i + 1]!;
        i++;
        continue;
      }
    }
    switch (text[i]) {
      case "&":
        out += "&amp;";
        continue;
      case "<":
        out += "&lt;";
        continue;
      case ">":
        out += "&gt;";
        continue;
      case '"':
        out += attribute ? "&quot;" : '"';
        continue;
      case "'":
        out += attribute ? "&apos;" : "'";
        continue;
    }
    if (c === 9 || c === 10 || c === 13) out += attribute ? `&#${c};` : text[i]!;
    else if (c < 0x20 || (c >= 0xd800 && c <= 0xdfff) || c === 0xfffe || c === 0xffff) out += "\ufffd";
    else out += text[i]!;
  }
  return out;
}
