/**
 * A tiny terminal: replays what a program wrote to a pseudo-terminal and
 * returns the screen's lines as a user sees them at the end. It knows what
 * progress renderers send: text, `\r`, `\n`, cursor up (`ESC[nA`), column
 * (`ESC[nG`), erase to the end of the screen (`ESC[J`, `ESC[0J`) and of the
 * line (`ESC[K`, `ESC[2K`); colours and other CSI sequences are dropped.
 * The scrollback is kept (no screen height), so every line ever left on
 * screen is in the result.
 */
export function replayTerminal(raw: string): string[] {
  const lines: string[][] = [[]];
  let row = 0;
  let col = 0;
  for (let i = 0; i < raw.length; ) {
    const csi = /^\x1b\[([0-9;?]*)([A-Za-z])/.exec(raw.slice(i, i + 16));
    if (csi) {
      const n = csi[1] === "" || csi[1]!.startsWith("?") ? undefined : Number(csi[1]!.split(";")[0]);
      const cmd = csi[2]!;
      if (cmd === "A") row = Math.max(0, row - (n ?? 1));
      else if (cmd === "G") col = Math.max(0, (n ?? 1) - 1);
      else if (cmd === "J" && (n ?? 0) === 0) {
        lines[row]!.length = col;
        lines.length = row + 1;
      } else if (cmd === "K") {
        if ((n ?? 0) === 2) lines[row] = [];
        else lines[row]!.length = Math.min(lines[row]!.length, col);
      }
      i += csi[0].length;
      continue;
    }
    const ch = String.fromCodePoint(raw.codePointAt(i)!);
    i += ch.length;
    if (ch === "\r") col = 0;
    else if (ch === "\n") {
      row++;
      col = 0;
      while (lines.length <= row) lines.push([]);
    } else if (ch === "\x1b" || ch === "\x07" || ch === "\b") {
      // a lone escape or bell: nothing to show
    } else {
      const line = lines[row]!;
      while (line.length < col) line.push(" ");
      line[col++] = ch;
    }
  }
  return lines.map((l) => l.join("").trimEnd()).filter((l, idx, all) => idx < all.length - 1 || l !== "");
}
