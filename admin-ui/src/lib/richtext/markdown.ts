import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import { marked } from 'marked';
import { MarkdownParser, MarkdownSerializer, defaultMarkdownSerializer } from 'prosemirror-markdown';
import { Fragment, type Mark, type Node as PMNode } from 'prosemirror-model';
import { Transform } from 'prosemirror-transform';
import { schema } from './schema';

// Markdown is the stored format; the editor document is a view of it.
// Markdown → document: markdown-it in CommonMark mode (raw HTML is text, as
// delivery drops it) with strikethrough and autolinked URLs, the extensions
// models.MarkdownParser reads. Document → Markdown: prosemirror-markdown's
// serializer, writing the conventions the demo content and most writers use
// (`-` bullets, `*em*`, `**strong**`, `\` hard breaks).

const tokenizer = MarkdownIt('commonmark', { html: false, linkify: true }).enable(['strikethrough', 'linkify']);
// Only URLs with a scheme (and www.) become links, as on the server; a bare
// "example.org" stays text.
tokenizer.linkify.set({ fuzzyLink: false, fuzzyEmail: false });

/** A list is tight when its items' paragraphs are hidden (prosemirror-markdown looks only at the first token, wrong for "- - a"). */
function listIsTight(tokens: readonly Token[], i: number): boolean {
  const level = tokens[i].level;
  for (let j = i + 1; j < tokens.length; j++) {
    const t = tokens[j];
    if (t.level === level && t.type.endsWith('_list_close')) break;
    if (t.type === 'paragraph_open' && t.level === level + 2) return t.hidden;
  }
  return true;
}

/** The plain text of an image's alt (markdown-it keeps it as inline tokens). */
function inlineText(tokens: Token[] | null): string {
  let s = '';
  for (const t of tokens ?? []) {
    if (t.type === 'text' || t.type === 'code_inline') s += t.content;
    else if (t.type === 'image') s += inlineText(t.children);
    else if (t.type === 'softbreak' || t.type === 'hardbreak') s += '\n';
  }
  return s;
}

export const markdownParser = new MarkdownParser(schema, tokenizer, {
  blockquote: { block: 'blockquote' },
  paragraph: { block: 'paragraph' },
  list_item: { block: 'list_item' },
  bullet_list: { block: 'bullet_list', getAttrs: (_t, tokens, i) => ({ tight: listIsTight(tokens, i) }) },
  ordered_list: {
    block: 'ordered_list',
    // (prosemirror-markdown's own parser reads "0." as 1.)
    getAttrs: (tok, tokens, i) => ({ order: tok.attrGet('start') == null ? 1 : Number(tok.attrGet('start')), tight: listIsTight(tokens, i) }),
  },
  heading: { block: 'heading', getAttrs: (tok) => ({ level: Number(tok.tag.slice(1)) }) },
  code_block: { block: 'code_block', noCloseToken: true },
  fence: { block: 'code_block', getAttrs: (tok) => ({ params: tok.info || '' }), noCloseToken: true },
  hr: { node: 'horizontal_rule' },
  image: {
    node: 'image',
    getAttrs: (tok) => ({ src: tok.attrGet('src'), title: tok.attrGet('title') || null, alt: inlineText(tok.children) }),
  },
  hardbreak: { node: 'hard_break' },
  em: { mark: 'em' },
  strong: { mark: 'strong' },
  s: { mark: 'strike' },
  link: { mark: 'link', getAttrs: (tok) => ({ href: tok.attrGet('href'), title: tok.attrGet('title') || null }) },
  code_inline: { mark: 'code', noCloseToken: true },
});

const base = defaultMarkdownSerializer;

/**
 * The serializer opens a node's marks in the order they are listed; left
 * alone that is the schema's order, so in "**_it_ calm**" the italic would
 * be opened first and the bold closed and reopened after "it", which
 * Markdown can misread next to punctuation. This lists each inline node's
 * marks outermost first instead: the link, then the marks whose run ends
 * later (and, of those, started earlier), code last; a run that ends inside
 * another is closed and reopened inside it ("*a****b*c**"), which Markdown
 * reads right. The marks are not "mixable", so the serializer keeps this
 * order. The textblock is copied with the reordered nodes (Object.create
 * keeps everything else).
 */
export function nestMarks(block: PMNode): PMNode {
  const kids: PMNode[] = [];
  block.forEach((c) => kids.push(c));
  if (!kids.some((k) => k.marks.length > 1)) return block;
  const runStart = (i: number, m: Mark) => {
    while (i > 0 && m.isInSet(kids[i - 1].marks)) i--;
    return i;
  };
  const runEnd = (i: number, m: Mark) => {
    while (i < kids.length - 1 && m.isInSet(kids[i + 1].marks)) i++;
    return i;
  };
  const reordered = kids.map((k, i) => {
    if (k.marks.length < 2) return k;
    const rank = (m: Mark) => FLANKED.indexOf(m.type.name);
    const key = (m: Mark): [number, number, number] =>
      m.type.name === 'link' ? [-Infinity, 0, 0] : m.type.name === 'code' ? [Infinity, 0, 0] : [-runEnd(i, m), runStart(i, m), rank(m)];
    const marks = [...k.marks].sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      return ka[0] - kb[0] || ka[1] - kb[1] || ka[2] - kb[2];
    });
    return Object.create(k, { marks: { value: marks } }) as PMNode;
  });
  return Object.create(block, { content: { value: Fragment.fromArray(reordered) } }) as PMNode;
}

/**
 * Whether a list item that starts with an empty paragraph (the document's
 * items start with one) is written with its next block on the marker's line:
 * "- # Heading", "- > quote", "- - a", "- -". Written on a line of its own,
 * "-" could not interrupt a paragraph before it and would underline it into
 * a heading. Not for "- - -" (a rule: `markers` counts the markers already
 * on the line) nor for a paragraph (it would become the first one).
 */
function startsOnMarkerLine(item: PMNode, markers = 1): boolean {
  const first = item.firstChild;
  if (item.childCount < 2 || first?.type !== schema.nodes.paragraph || first.content.size > 0) return false;
  const next = item.child(1);
  const n = schema.nodes;
  if (next.type === n.heading || next.type === n.blockquote || next.type === n.code_block) return true;
  if (next.type !== n.bullet_list && next.type !== n.ordered_list) return false;
  const nested = next.firstChild;
  if (!nested) return false;
  if (nested.firstChild?.content.size) return true; // "- - a"
  const emptyLeaf = nested.childCount === 1 && nested.firstChild?.type === n.paragraph;
  if (emptyLeaf) return next.type === n.ordered_list || markers + 1 < 3; // "- -", never "- - -"
  return startsOnMarkerLine(nested, markers + 1);
}

/** How many lists of this node's kind come right before it. */
function sameKindBefore(node: PMNode, parent: PMNode, index: number): number {
  let n = 0;
  while (index - n - 1 >= 0 && parent.child(index - n - 1).type === node.type) n++;
  return n;
}

export const markdownSerializer = new MarkdownSerializer(
  {
    ...base.nodes,
    // Two lists of one kind in a row would read as one list: the second
    // (fourth…) is written with the other marker, as CommonMark advises.
    bullet_list(state, node, parent, index) {
      const bullet = sameKindBefore(node, parent, index) % 2 ? '* ' : '- ';
      state.renderList(node, '  ', () => bullet);
    },
    ordered_list(state, node, parent, index) {
      const delim = sameKindBefore(node, parent, index) % 2 ? ') ' : '. ';
      const start: number = node.attrs.order ?? 1;
      const maxW = String(start + node.childCount - 1).length;
      const space = state.repeat(' ', maxW + 2);
      state.renderList(node, space, (i) => {
        const nStr = String(start + i);
        return state.repeat(' ', maxW - nStr.length) + nStr + delim;
      });
    },
    // An item that starts with a list ("- - a") has an empty first paragraph
    // in the document (items start with one); it is not written.
    // In a tight list, an item's blocks follow each other without a blank
    // line (a blank line would make the list loose), except where Markdown
    // needs one: a paragraph after a paragraph, or a rule after a paragraph
    // (it would underline it into a heading).
    list_item(state, node) {
      const st = state as unknown as { inTightList: boolean; closed: PMNode | null; flushClose(size?: number): void };
      const skipFirst = startsOnMarkerLine(node);
      node.forEach((child, _o, i) => {
        if (i === 0 && skipFirst) return;
        const prev = i > 0 ? node.child(i - 1) : null;
        const p = schema.nodes.paragraph;
        const emptyBefore = prev?.type === p && prev.content.size === 0; // "- " then the item's content on the next line
        if ((st.inTightList || emptyBefore) && st.closed && prev && !(prev.type === p && !emptyBefore && (child.type === p || child.type === schema.nodes.horizontal_rule || child.type === schema.nodes.code_block))) st.flushClose(1);
        state.render(child, node, i);
      });
    },
    // Text right after a line break starts a line: "1. " or "- " there is escaped
    // (prosemirror-markdown escapes them only at the start of a block).
    text(state, node, parent, index) {
      const st = state as unknown as { atBlockStart: boolean; inAutolink?: boolean };
      if (index > 0 && parent.child(index - 1).type === schema.nodes.hard_break) st.atBlockStart = true;
      state.text(node.text ?? '', !st.inAutolink);
    },
    paragraph(state, node) {
      state.renderInline(nestMarks(node));
      state.closeBlock(node);
    },
    // A heading with a line break (from a setext heading or a paste) is
    // written as a setext heading (levels 1 and 2), else with a space for
    // the break: an ATX heading is one line.
    heading(state, node) {
      const br = schema.nodes.hard_break;
      let hasBreak = false;
      node.forEach((c) => (hasBreak ||= c.type === br));
      if (hasBreak && node.attrs.level <= 2) {
        state.renderInline(nestMarks(node));
        state.ensureNewLine();
        state.write(node.attrs.level === 1 ? '===' : '---');
        state.closeBlock(node);
        return;
      }
      const inline: PMNode[] = [];
      node.forEach((c) => inline.push(c.type === br ? schema.text(' ', c.marks) : c));
      state.write(state.repeat('#', node.attrs.level) + ' ');
      state.renderInline(nestMarks(hasBreak ? node.copy(Fragment.fromArray(inline)) : node), false);
      state.closeBlock(node);
    },
    image(state, node) {
      const src = String(node.attrs.src ?? '');
      const dest = /[\s<>]/.test(src) ? `<${src.replace(/[<>]/g, encodeURIComponent)}>` : src.replace(/[()]/g, '\\$&');
      state.write(
        '![' + state.esc(String(node.attrs.alt ?? '')) + '](' + dest + (node.attrs.title ? ' "' + String(node.attrs.title).replace(/"/g, '\\"') + '"' : '') + ')',
      );
    },
  },
  {
    ...base.marks,
    // A link is always the outermost mark, so bold/italic open and close
    // inside or outside its brackets, never against "](url)" (where the
    // closing "*" would not count as one).
    link: { ...base.marks.link, mixable: false },
    em: { ...base.marks.em, mixable: false },
    strong: { ...base.marks.strong, mixable: false },
    strike: { open: '~~', close: '~~', mixable: false, expelEnclosingWhitespace: true },
  },
  {
    // "<b>" or "&copy;" typed as text stays text (the server drops raw HTML
    // and would decode the entity).
    escapeExtraCharacters: /<(?=[A-Za-z/!?])|&(?=#?[A-Za-z0-9]+;)/g,
  },
);

/** Markdown → editor document. */
export function toDoc(md: string): PMNode {
  return markdownParser.parse(md ?? '');
}

const PUNCT = /[\p{P}\p{S}]/u;
const SPACE = /\s/u;
const FLANKED = ['em', 'strong', 'strike'];

type BlockChar = { ch: string; pos: number; marks: readonly Mark[] };

/** One entry per position of a textblock: its character (`inline` names a non-text node's) and its marks. */
function blockChars(block: PMNode, blockPos: number, inline: (n: PMNode) => string): BlockChar[] {
  const chars: BlockChar[] = [];
  block.forEach((child, offset) => {
    const pos = blockPos + 1 + offset;
    if (child.isText) for (let i = 0; i < child.text!.length; i++) chars.push({ ch: child.text![i], pos: pos + i, marks: child.marks });
    else chars.push({ ch: inline(child), pos, marks: child.marks });
  });
  return chars;
}

/**
 * Bold, italic and strike runs as Markdown can write them.
 *
 * Markdown cannot open emphasis on punctuation right after a letter, nor
 * close it on punctuation right before one (CommonMark's flanking rules:
 * `calm*!*` is not emphasis). Where a bold/italic/struck run starts or ends
 * that way, the punctuation at its edge is taken out of the run, so the
 * Markdown keeps the run instead of showing literal asterisks.
 */
export function fixFlanking(doc: PMNode): PMNode {
  const tr = new Transform(doc);
  doc.descendants((block, blockPos) => {
    if (!block.isTextblock) return true;
    // Images count as punctuation, breaks as space.
    const chars = blockChars(block, blockPos, (n) => (n.type === schema.nodes.hard_break ? '\n' : '!'));
    const other = (c: { ch: string } | undefined) => !!c && !SPACE.test(c.ch) && !PUNCT.test(c.ch);
    // Runs that cross ("*a **b* c**": italic a–b, bold b–c) cannot be
    // written so Markdown reads them back: the later run gives up the
    // overlap (bold on c only).
    const runs = (name: string) => {
      const type = schema.marks[name];
      const out: [number, number][] = [];
      chars.forEach((c, i) => {
        if (!type.isInSet(c.marks)) return;
        if (out.length && out[out.length - 1][1] === i) out[out.length - 1][1] = i + 1;
        else out.push([i, i + 1]);
      });
      return out;
    };
    const strip = (name: string, from: number, to: number) => {
      const type = schema.marks[name];
      for (let i = from; i < to; i++) {
        tr.removeMark(chars[i].pos, chars[i].pos + 1, type);
        chars[i] = { ...chars[i], marks: type.removeFromSet(chars[i].marks) };
      }
    };
    for (const a of FLANKED)
      for (const b of FLANKED) {
        if (a === b) continue;
        for (const [s1, e1] of runs(a)) for (const [s2, e2] of runs(b)) if (s1 < s2 && s2 < e1 && e1 < e2) strip(b, s2, e1);
      }
    // Inside a word, one run cannot end where another begins ("**a***b*"
    // reads as one run of three): the run that begins waits for the word's end.
    for (let i = 1; i < chars.length; i++) {
      if (!other(chars[i - 1]) || !other(chars[i])) continue;
      const names = (c: { marks: readonly Mark[] }) => FLANKED.filter((n) => schema.marks[n].isInSet(c.marks));
      const before = names(chars[i - 1]);
      const after = names(chars[i]);
      const opening = after.filter((n) => !before.includes(n));
      if (!opening.length || !before.some((n) => !after.includes(n))) continue;
      for (const n of opening) {
        let j = i;
        while (j < chars.length && other(chars[j]) && schema.marks[n].isInSet(chars[j].marks)) j++;
        strip(n, i, j);
      }
    }
    for (const name of FLANKED) {
      const type = schema.marks[name];
      const has = chars.map((c) => !!type.isInSet(c.marks));
      for (let i = 0; i < chars.length; ) {
        if (!has[i]) {
          i++;
          continue;
        }
        let start = i;
        let end = i;
        while (end < chars.length && has[end]) end++;
        i = end;
        // Spaces at a run's edges are not bold or italic to a reader; Markdown cannot say so anyway.
        while (start < end && SPACE.test(chars[start].ch)) tr.removeMark(chars[start].pos, chars[start].pos + 1, type), start++;
        while (end > start && SPACE.test(chars[end - 1].ch)) tr.removeMark(chars[end - 1].pos, chars[end - 1].pos + 1, type), end--;
        while (start < end && PUNCT.test(chars[start].ch) && other(chars[start - 1])) tr.removeMark(chars[start].pos, chars[start].pos + 1, type), start++;
        while (end > start && PUNCT.test(chars[end - 1].ch) && other(chars[end])) tr.removeMark(chars[end - 1].pos, chars[end - 1].pos + 1, type), end--;
      }
    }
    return false;
  });
  return tr.doc;
}

/** The characters of each textblock with their bold/italic/strike/link/code marks (marks on spaces aside): what a reader sees. */
function inlineSignature(doc: PMNode): string {
  const out: string[] = [];
  doc.descendants((n) => {
    if (!n.isTextblock) {
      out.push(n.type.name + JSON.stringify(n.attrs));
      return true;
    }
    let line = n.type.name + JSON.stringify(n.attrs) + ':';
    n.forEach((c) => {
      const marks = c.marks.map((m) => m.type.name + (m.attrs.href ? '=' + m.attrs.href : '')).join(',');
      if (c.isText) for (const ch of c.text!) line += SPACE.test(ch) ? ' ' : `${ch}[${marks}]`;
      else line += `<${c.type.name}${JSON.stringify(c.attrs)}[${marks}]>`;
    });
    out.push(line);
    return false;
  });
  return out.join('\n');
}

/**
 * Bold/italic that changes inside a word ("**calm**ly" within italics) can
 * be beyond what CommonMark reads back. Such words keep only the marks that
 * cover all of them.
 */
export function wholeWordMarks(doc: PMNode): PMNode {
  const tr = new Transform(doc);
  doc.descendants((block, blockPos) => {
    if (!block.isTextblock) return true;
    const chars = blockChars(block, blockPos, () => ' ');
    const inWord = (c: { ch: string }) => !SPACE.test(c.ch) && !PUNCT.test(c.ch);
    for (let i = 0; i < chars.length; ) {
      if (!inWord(chars[i])) {
        i++;
        continue;
      }
      let j = i;
      while (j < chars.length && inWord(chars[j])) j++;
      for (const name of FLANKED) {
        const type = schema.marks[name];
        const count = chars.slice(i, j).filter((c) => type.isInSet(c.marks)).length;
        if (count > 0 && count < j - i) tr.removeMark(chars[i].pos, chars[j - 1].pos + 1, type);
      }
      i = j;
    }
    return false;
  });
  return tr.doc;
}

/** Bold/italic/strike taken off every space (a reader cannot see them): the last resort of writtenForm. */
function plainSpaces(doc: PMNode): PMNode {
  const tr = new Transform(doc);
  doc.descendants((n, pos) => {
    if (n.isText)
      for (let i = 0; i < n.text!.length; i++) if (SPACE.test(n.text![i])) for (const name of FLANKED) tr.removeMark(pos + i, pos + i + 1, schema.marks[name]);
    return true;
  });
  return tr.doc;
}

/**
 * The document as it is written: fixFlanking; where Markdown would not read
 * that back the same, also wholeWordMarks; then also plain spaces.
 */
export function writtenForm(doc: PMNode): PMNode {
  const readsBack = (d: PMNode) => inlineSignature(markdownParser.parse(markdownSerializer.serialize(d))) === inlineSignature(d);
  const first = fixFlanking(doc);
  if (readsBack(first)) return first;
  const second = fixFlanking(wholeWordMarks(first));
  if (readsBack(second)) return second;
  return fixFlanking(plainSpaces(second));
}

/** Editor document → Markdown. */
export function toMarkdown(doc: PMNode): string {
  return markdownSerializer.serialize(writtenForm(doc));
}

/** Markdown → document → Markdown. */
export function roundTrip(md: string): string {
  return toMarkdown(toDoc(md));
}

/** HTML as marked (the preview's renderer) produces it, whitespace-normalized, for comparing meaning. */
export function renderedForm(md: string): string {
  const html = marked.parse(md ?? '', { async: false, gfm: true, breaks: false }) as string;
  return html
    .replace(/\s+/g, ' ')
    .replace(/\s*(<\/?(?:p|li|ul|ol|blockquote|h[1-6]|pre|hr|br)\b[^>]*>)\s*/g, '$1')
    .trim();
}

/**
 * Whether the rich editor can show this Markdown without changing what it
 * means: its round trip renders to the same HTML. Tables, raw HTML and
 * other constructs the editor has no place for fail this, and such a text
 * is edited as Markdown instead.
 */
export function representable(md: string): boolean {
  const out = roundTrip(md);
  return out === md || renderedForm(out) === renderedForm(md);
}
