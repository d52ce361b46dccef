import { imageBlockReason, linkAllowed } from '../markdown';

// Pasted HTML from Google Docs, Word or a web page, reduced to structure:
// headings, paragraphs, lists (Word's paragraph-styled lists rebuilt as
// real lists), bold and italic (Google Docs writes them as styled spans),
// links the link policy allows and images the image policy allows that have
// alt text. Everything else (fonts, colours, sizes, spans, classes, ids,
// Word's <o:p> and conditional comments) is dropped. The editor's schema
// then keeps only what Markdown can say.

const DROP = 'script, style, meta, link, title, template, iframe, object, embed, svg, math, form, input, button, select, textarea, video, audio, canvas, noscript, xml';
const BLOCK = /^(P|H[1-6]|UL|OL|LI|DIV|BLOCKQUOTE|PRE|TABLE|HR|SECTION|ARTICLE)$/;
const KEEP_ATTRS: Record<string, string[]> = { A: ['href', 'title'], IMG: ['src', 'alt', 'title'], OL: ['start'] };
const BOLD = /^(bold(er)?|[6-9]\d\d)$/;

function unwrap(el: Element) {
  el.replaceWith(...Array.from(el.childNodes));
}

function wrapChildren(el: Element, tag: string) {
  const w = el.ownerDocument.createElement(tag);
  w.append(...Array.from(el.childNodes));
  el.appendChild(w);
}

// Style attributes are renamed before parsing: the admin UI's CSP
// (style-src 'self') would report every inline style the parser applies,
// even in a detached document.
const STYLE = 'data-pasted-style';

function styleOf(el: Element): string {
  return (el.getAttribute(STYLE) ?? '').toLowerCase();
}

function styleValue(style: string, prop: string): string {
  const m = new RegExp(`(?:^|;)\\s*${prop}\\s*:\\s*([^;]+)`).exec(style);
  return m ? m[1].trim().replace(/\s*!important$/, '') : '';
}

/** Word's list paragraphs: <p class=MsoListParagraph… style='mso-list:l0 level2 lfo1'>. */
function wordListInfo(p: Element): { list: string; level: number } | null {
  const style = styleOf(p);
  const m = /mso-list\s*:\s*(l\d+)\s+level(\d+)/.exec(style);
  if (m) return { list: m[1], level: Number(m[2]) };
  if (/^MsoListParagraph/i.test(p.getAttribute('class') ?? '') && !/mso-list\s*:\s*none/.test(style)) return { list: 'l?', level: 1 };
  return null;
}

function rebuildWordLists(body: HTMLElement) {
  const doc = body.ownerDocument;
  const paras = Array.from(body.querySelectorAll('p')).filter((p) => wordListInfo(p));
  const done = new Set<Element>();
  for (const first of paras) {
    if (done.has(first)) continue;
    // The run of list paragraphs that follow each other (whitespace between).
    const run: Element[] = [];
    for (let n: Node | null = first; n; n = n.nextSibling) {
      if (n.nodeType === 3 && !n.textContent?.trim()) continue;
      if (n.nodeType === 8) continue;
      if (n instanceof Element && n.tagName === 'P' && wordListInfo(n)) run.push(n);
      else break;
    }
    const stack: { el: HTMLElement; level: number }[] = [];
    let root: HTMLElement | null = null;
    let rootList = '';
    for (const p of run) {
      done.add(p);
      const info = wordListInfo(p)!;
      const markerEl = Array.from(p.querySelectorAll('span')).find((s) => /mso-list\s*:\s*ignore/.test(styleOf(s)));
      const marker = (markerEl?.textContent ?? '').replace(/\u00a0/g, ' ').trim();
      markerEl?.remove();
      const ordered = /^(\d+|[a-z]|[ivxlcdm]+)[.)]$/i.test(marker);
      while (stack.length && stack[stack.length - 1].level > info.level) stack.pop();
      if (stack.length && stack[stack.length - 1].level === info.level && info.level === 1 && info.list !== rootList) stack.length = 0;
      if (!stack.length || stack[stack.length - 1].level < info.level) {
        const list = doc.createElement(ordered ? 'ol' : 'ul');
        if (!stack.length) {
          p.before(list);
          root = list;
          rootList = info.list;
        } else {
          const parentList = stack[stack.length - 1].el;
          (parentList.lastElementChild ?? parentList).appendChild(list);
        }
        stack.push({ el: list, level: info.level });
      }
      const li = doc.createElement('li');
      li.append(...Array.from(p.childNodes));
      stack[stack.length - 1].el.appendChild(li);
      p.remove();
    }
    void root;
  }
}

/** Google Docs (and most web pages) write bold and italic as styled spans. */
function stylesToTags(body: HTMLElement) {
  for (const el of Array.from(body.querySelectorAll<HTMLElement>('span, font, a, li, p, td'))) {
    const style = styleOf(el);
    if (!style) continue;
    const weight = styleValue(style, 'font-weight');
    const fontStyle = styleValue(style, 'font-style');
    if (fontStyle === 'italic' || fontStyle === 'oblique') wrapChildren(el, 'em');
    if (BOLD.test(weight)) wrapChildren(el, 'strong');
  }
}

/** Cleans pasted HTML to structure only (see above). Our own copies pass through. */
export function cleanPastedHtml(html: string): string {
  if (/data-pm-slice/.test(html)) return html;
  const doc = new DOMParser().parseFromString(html.replace(/<[a-zA-Z][^>]*>/g, (tag) => tag.replace(/(\s)style(\s*=)/gi, `$1${STYLE}$2`)), 'text/html');
  const body = doc.body;
  body.querySelectorAll(DROP).forEach((e) => e.remove());
  // Comments (Word's <!--[if !supportLists]--> and fragment markers).
  const walker = doc.createTreeWalker(body, 128 /* SHOW_COMMENT */);
  const comments: Node[] = [];
  while (walker.nextNode()) comments.push(walker.currentNode);
  comments.forEach((c) => c.parentNode?.removeChild(c));
  // Word's namespaced elements (<o:p>, <v:shape>, <w:sdt>): dropped, with <o:p>'s &nbsp;.
  for (const el of Array.from(body.querySelectorAll('*'))) {
    if (el.tagName.includes(':')) {
      if (/^O:P$/i.test(el.tagName) || /^V:/i.test(el.tagName)) el.remove();
      else unwrap(el);
    }
  }
  rebuildWordLists(body);
  // Google Docs' wrapper: <b id="docs-internal-guid-…" style="font-weight:normal">.
  body.querySelectorAll(`b[id^="docs-internal-guid"], b[${STYLE}*="font-weight:normal"], b[${STYLE}*="font-weight: normal"]`).forEach(unwrap);
  stylesToTags(body);
  // Lists nested directly in lists (Google Docs) belong to the item before them.
  for (const inner of Array.from(body.querySelectorAll('ul > ul, ul > ol, ol > ul, ol > ol'))) {
    const prev = inner.previousElementSibling;
    if (prev?.tagName === 'LI') prev.appendChild(inner);
    else {
      const li = doc.createElement('li');
      inner.replaceWith(li);
      li.appendChild(inner);
    }
  }
  // A heading is bold already; Docs and Word repeat it as a style.
  body.querySelectorAll('h1 strong, h2 strong, h3 strong, h4 strong, h5 strong, h6 strong, h1 b, h2 b, h3 b, h4 b, h5 b, h6 b').forEach(unwrap);
  for (const a of Array.from(body.querySelectorAll('a'))) {
    const href = a.getAttribute('href') ?? '';
    if (!href || !linkAllowed(href)) unwrap(a);
  }
  for (const img of Array.from(body.querySelectorAll('img'))) {
    const src = img.getAttribute('src') ?? '';
    const alt = (img.getAttribute('alt') ?? '').trim();
    if (!src || !alt || imageBlockReason(src)) img.remove();
  }
  // Styling elements go, their text stays.
  body.querySelectorAll('span, font, u, ins, sup, sub, small, big, mark, abbr, cite, label, center').forEach(unwrap);
  // Line breaks between blocks (Docs writes empty paragraphs as <br>).
  for (const br of Array.from(body.querySelectorAll('br'))) {
    const parent = br.parentElement;
    const prev = br.previousSibling;
    const next = br.nextSibling;
    const isBlock = (n: Node | null) => !n || (n instanceof Element && BLOCK.test(n.tagName));
    if (parent === body || parent?.tagName === 'DIV' || (isBlock(prev) && isBlock(next))) {
      if (isBlock(prev) || isBlock(next)) br.remove();
    }
  }
  // Attributes: only what Markdown can carry.
  for (const el of Array.from(body.querySelectorAll('*'))) {
    const keep = KEEP_ATTRS[el.tagName] ?? [];
    for (const attr of Array.from(el.attributes)) if (!keep.includes(attr.name)) el.removeAttribute(attr.name);
  }
  // Non-breaking spaces Word and Docs use as spacing become spaces; empty paragraphs go.
  const tw = doc.createTreeWalker(body, 4 /* SHOW_TEXT */);
  while (tw.nextNode()) {
    const t = tw.currentNode as Text;
    if (t.data.includes('\u00a0')) t.data = t.data.replace(/\u00a0/g, ' ');
  }
  for (const p of Array.from(body.querySelectorAll('p, h1, h2, h3, h4, h5, h6, li'))) {
    if (!p.textContent?.trim() && !p.querySelector('img, ul, ol')) p.remove();
  }
  return body.innerHTML;
}
