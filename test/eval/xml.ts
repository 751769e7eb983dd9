/**
 * A tiny XML parser for the tests: elements, attributes, text, CDATA, comments,
 * the XML declaration and the five entities plus numeric references. Throws on
 * anything malformed (unclosed or mismatched tags, bad entities, a raw `<` or
 * `&` in text, duplicate attributes, content after the root), which is what the
 * tests check: that a report is well-formed. Attribute values get XML's
 * normalization (literal whitespace becomes spaces).
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (concatenated, entities decoded). */
  text: string;
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;

export function parseXml(xml: string): XmlElement {
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`XML: ${msg} at offset ${i}`);
  };
  const skipWs = () => {
    while (i < xml.length && /\s/.test(xml[i]!)) i++;
  };
  const name = () => {
    NAME.lastIndex = i;
    const m = NAME.exec(xml);
    if (!m) fail("expected a name");
    i += m![0].length;
    return m![0];
  };
  const decode = (s: string) => {
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(s)) fail(`bad entity in ${JSON.stringify(s)}`);
    if (s.includes("<")) fail("raw < in text");
    return s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) =>
      e === "amp" ? "&" : e === "lt" ? "<" : e === "gt" ? ">" : e === "quot" ? '"' : e === "apos" ? "'" : String.fromCodePoint(e[1] === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)),
    );
  };
  const misc = () => {
    for (;;) {
      skipWs();
      if (xml.startsWith("<?", i)) {
        const end = xml.indexOf("?>", i);
        if (end < 0) fail("unclosed <?");
        i = end + 2;
      } else if (xml.startsWith("<!--", i)) {
        const end = xml.indexOf("-->", i);
        if (end < 0) fail("unclosed comment");
        i = end + 3;
      } else return;
    }
  };
  const element = (): XmlElement => {
    if (xml[i] !== "<") fail("expected <");
    i++;
    const el: XmlElement = { name: name(), attributes: {}, children: [], text: "" };
    for (;;) {
      skipWs();
      if (xml.startsWith("/>", i)) {
        i += 2;
        return el;
      }
      if (xml[i] === ">") {
        i++;
        break;
      }
      const attr = name();
      skipWs();
      if (xml[i] !== "=") fail("expected =");
      i++;
      skipWs();
      const q = xml[i];
      if (q !== '"' && q !== "'") fail("expected a quote");
      const end = xml.indexOf(q!, i + 1);
      if (end < 0) fail("unclosed attribute");
      if (attr in el.attributes) fail(`duplicate attribute ${attr}`);
      el.attributes[attr] = decode(xml.slice(i + 1, end).replace(/[\t\n\r]/g, " "));
      i = end + 1;
    }
    for (;;) {
      if (i >= xml.length) fail(`unclosed <${el.name}>`);
      if (xml.startsWith("</", i)) {
        i += 2;
        const closing = name();
        if (closing !== el.name) fail(`</${closing}> closes <${el.name}>`);
        skipWs();
        if (xml[i] !== ">") fail("expected >");
        i++;
        return el;
      }
      if (xml.startsWith("<![CDATA[", i)) {
        const end = xml.indexOf("]]>", i);
        if (end < 0) fail("unclosed CDATA");
        el.text += xml.slice(i + 9, end);
        i = end + 3;
      } else if (xml.startsWith("<!--", i)) {
        const end = xml.indexOf("-->", i);
        if (end < 0) fail("unclosed comment");
        i = end + 3;
      } else if (xml[i] === "<") {
        el.children.push(element());
      } else {
        const end = xml.indexOf("<", i);
        el.text += decode(xml.slice(i, end < 0 ? xml.length : end));
        i = end < 0 ? xml.length : end;
      }
    }
  };
  misc();
  const root = element();
  misc();
  if (i !== xml.length) fail("content after the root element");
  if (root.children.length) trimLayout(root);
  return root;
}

/** Whitespace between child elements is layout, not text. */
function trimLayout(el: XmlElement): void {
  if (el.children.length && el.text.trim() === "") el.text = "";
  el.children.forEach(trimLayout);
}
