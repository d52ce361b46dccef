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

function listIsTight(tokens: readonly Token[], i: number): boolean {
  while (++i < tokens.length) if (tokens[i].type !== 'list_item_open') return tokens[i].hidden;
  return false;
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
      const first = node.firstChild;
      const skipFirst = node.childCount > 1 && first?.type === schema.nodes.paragraph && first.content.size === 0;
      node.forEach((child, _o, i) => {
        if (i === 0 && skipFirst) return;
        const prev = i > 0 ? node.child(i - 1) : null;
        const p = schema.nodes.paragraph;
        if (st.inTightList && st.closed && prev && !(prev.type === p && (child.type === p || child.type === schema.nodes.horizontal_rule || child.type === schema.nodes.code_block))) st.flushClose(1);
        state.render(child, node, i);
      });
    },
    paragraph(state, node) {
      state.renderInline(nestMarks(node));
      state.closeBlock(node);
    },
    heading(state, node) {
      state.write(state.repeat('#', node.attrs.level) + ' ');
      state.renderInline(nestMarks(node), false);
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
    // One entry per position: the character (images count as punctuation, breaks as space) and its marks.
    const chars: { ch: string; pos: number; marks: readonly Mark[] }[] = [];
    block.forEach((child, offset) => {
      const pos = blockPos + 1 + offset;
      if (child.isText) for (let i = 0; i < child.text!.length; i++) chars.push({ ch: child.text![i], pos: pos + i, marks: child.marks });
      else chars.push({ ch: child.type === schema.nodes.hard_break ? '\n' : '!', pos, marks: child.marks });
    });
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
        while (start < end && PUNCT.test(chars[start].ch) && other(chars[start - 1])) tr.removeMark(chars[start].pos, chars[start].pos + 1, type), start++;
        while (end > start && PUNCT.test(chars[end - 1].ch) && other(chars[end])) tr.removeMark(chars[end - 1].pos, chars[end - 1].pos + 1, type), end--;
      }
    }
    return false;
  });
  return tr.doc;
}

/** Editor document → Markdown. */
export function toMarkdown(doc: PMNode): string {
  return markdownSerializer.serialize(fixFlanking(doc));
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
