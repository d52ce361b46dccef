import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Node as PMNode } from 'prosemirror-model';
import { schema } from './schema';
import { fixFlanking, writtenForm, renderedForm, representable, roundTrip, toDoc, toMarkdown } from './markdown';

// Property tests: the stored Markdown survives the rich-text editor.
//
// 1. Markdown → document → Markdown: Markdown written the way the editor
//    writes it (generated from random trees of headings, paragraphs, tight
//    bullet/numbered lists, nested lists, blockquotes, bold, italic, links,
//    images with alt text and hard breaks) comes back byte for byte.
// 2. Any generated Markdown in other spellings (`*` bullets, `_em_`, `__strong__`,
//    loose lists, two trailing spaces for a break, text with characters
//    Markdown treats specially) is rewritten once and then stable, and means
//    the same: the same editor document, and the same HTML from marked (the
//    preview's parser, a second opinion).
// 3. Document → Markdown → document: documents built directly (marks meeting
//    punctuation, lists next to lists) come back as the same document.
// CI runs a fixed seed (the same 400 cases each time); search further with
// RT_RUNS=3000 RT_SEED=$RANDOM npx vitest run src/lib/richtext
const RUNS = Number(process.env.RT_RUNS) || 400;
fc.configureGlobal({ seed: Number(process.env.RT_SEED) || 20261129 });

// ---------------------------------------------------------------------------
// An abstract article body, printed as Markdown in the editor's own spelling.

type Inline =
  | { t: 'text'; words: string[]; strong: boolean; em: boolean; href: string | null }
  | { t: 'img'; src: string; alt: string[] }
  | { t: 'br' };
type Block =
  | { t: 'p'; inl: Inline[] }
  | { t: 'h'; level: number; inl: Inline[] }
  | { t: 'ul'; items: Block[][] }
  | { t: 'ol'; start: number; items: Block[][] }
  | { t: 'quote'; blocks: Block[] };

const word = fc.oneof(
  fc.constantFrom('panic', 'breathe', 'slowly', 'heart', 'calm', 'sleep', 'Talk', 'clinician', 'A', 'it', 'the', 'CBT', '988', 'x2'),
  fc.tuple(fc.constantFrom('helps', 'passes', 'dread', 'night', 'Sleep'), fc.constantFrom('.', ',', ';', ':', '!', '?', "'s")).map(([w, p]) => w + p),
);
const words = fc.array(word, { minLength: 1, maxLength: 5 });
const href = fc.oneof(
  fc.constantFrom('https://example.org/care', 'http://example.org/a?b=1&c=2', 'https://example.org/x_(y)', 'mailto:help@example.org', 'tel:+15550100', 'https://example.org/#top'),
  fc.stringMatching(/^[a-z0-9-]{1,12}$/).map((p) => `https://example.org/${p}`),
);
const src = fc.oneof(
  fc.stringMatching(/^[a-f0-9]{8}$/).map((h) => `/media/${h}.jpg`),
  fc.constantFrom('https://images.example.org/calm.png', '/media/sleep-diary.webp'),
);
const textRun = fc.record({
  t: fc.constant('text' as const),
  words,
  strong: fc.boolean(),
  em: fc.boolean(),
  href: fc.option(href, { freq: 3 }),
});
const image = fc.record({ t: fc.constant('img' as const), src, alt: words });
const inlines = (breaks: boolean) =>
  fc
    .array(fc.oneof({ weight: 6, arbitrary: textRun }, { weight: 1, arbitrary: image }, { weight: breaks ? 1 : 0, arbitrary: fc.constant({ t: 'br' as const }) }), {
      minLength: 1,
      maxLength: 5,
    })
    // A break needs text on both sides (a trailing break is not Markdown).
    .map((xs) => xs.filter((x, i) => x.t !== 'br' || (i > 0 && i < xs.length - 1 && xs[i - 1].t !== 'br' && xs[i + 1].t !== 'br')))
    .filter((xs) => xs.length > 0 && xs[0].t === 'text');

const para = inlines(true).map((inl): Block => ({ t: 'p', inl }));
const heading = fc.record({ t: fc.constant('h' as const), level: fc.integer({ min: 1, max: 6 }), inl: inlines(false) });

const { block } = fc.letrec<{ block: Block; item: Block[]; list: Block; nested: Block; quote: Block }>((tie) => ({
  block: fc.oneof({ depthSize: 'small', withCrossShrink: true }, para, para, heading, tie('list'), tie('quote')),
  // A list item: a paragraph, then maybe a nested list.
  item: fc.tuple(para, fc.option(tie('nested'), { freq: 4 })).map(([p, l]) => (l ? [p, l] : [p])),
  list: fc.oneof(
    fc.record({ t: fc.constant('ul' as const), items: fc.array(tie('item'), { minLength: 1, maxLength: 4 }) }),
    fc.record({ t: fc.constant('ol' as const), start: fc.integer({ min: 0, max: 12 }), items: fc.array(tie('item'), { minLength: 1, maxLength: 4 }) }),
  ),
  // A list right after a paragraph in an item starts at 1 (CommonMark: only "1." may interrupt a paragraph; Tab in the editor makes such lists).
  nested: fc.oneof(
    fc.record({ t: fc.constant('ul' as const), items: fc.array(tie('item'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ t: fc.constant('ol' as const), start: fc.constant(1), items: fc.array(tie('item'), { minLength: 1, maxLength: 3 }) }),
  ),
  quote: fc.record({ t: fc.constant('quote' as const), blocks: fc.array(fc.oneof(para, tie('list')), { minLength: 1, maxLength: 3 }) }),
}));
const body = fc.array(block, { minLength: 1, maxLength: 6 });

function printInline(inl: Inline[]): string {
  let out = '';
  inl.forEach((x, i) => {
    const prev = inl[i - 1];
    if (i > 0 && x.t !== 'br' && prev.t !== 'br') out += ' ';
    if (x.t === 'br') out += '\\\n';
    else if (x.t === 'img') out += `![${x.alt.join(' ')}](${x.src.replace(/[()]/g, '\\$&')})`;
    else {
      let s = x.words.join(' ');
      if (x.strong) s = `**${s}**`;
      if (x.em) s = `*${s}*`;
      if (x.href) s = `[${s}](${x.href.replace(/[()"]/g, '\\$&')})`;
      out += s;
    }
  });
  return out;
}

function indent(text: string, first: string, rest: string): string {
  return text
    .split('\n')
    .map((l, i) => (i === 0 ? first + l : l ? rest + l : rest.trimEnd()))
    .join('\n');
}

function printBlocks(bs: Block[]): string {
  // A list right after a list of its kind takes the other marker ("*", ")").
  // (and, as prosemirror-markdown writes it, after two blank lines).
  return bs
    .map((b, i) => {
      let n = 0;
      while (i - n - 1 >= 0 && bs[i - n - 1].t === b.t) n++;
      const list = b.t === 'ul' || b.t === 'ol';
      return (i === 0 ? '' : list && n > 0 ? '\n\n\n' : '\n\n') + printBlock(b, list && n % 2 === 1);
    })
    .join('');
}

function printBlock(b: Block, other = false): string {
  switch (b.t) {
    case 'p':
      return printInline(b.inl);
    case 'h':
      return '#'.repeat(b.level) + ' ' + printInline(b.inl);
    case 'quote':
      return indent(printBlocks(b.blocks), '> ', '> ');
    case 'ul':
      return b.items.map((it) => indent(it.map((x) => printBlock(x)).join('\n'), other ? '* ' : '- ', '  ')).join('\n');
    case 'ol': {
      const w = String(b.start + b.items.length - 1).length;
      return b.items
        .map((it, i) => {
          const n = String(b.start + i);
          return indent(it.map((x) => printBlock(x)).join('\n'), ' '.repeat(w - n.length) + n + (other ? ') ' : '. '), ' '.repeat(w + 2));
        })
        .join('\n');
    }
  }
}

describe('Markdown → editor document → Markdown', () => {
  it(`is the identity for Markdown in the editor's spelling (${RUNS} generated bodies)`, () => {
    fc.assert(
      fc.property(body, (bs) => {
        const md = printBlocks(bs);
        expect(roundTrip(md)).toBe(md);
        expect(representable(md)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  }, 600_000);

  // Other spellings of the same constructs, and text with Markdown's special characters.
  const looseWord = fc.oneof(
    word,
    fc.constantFrom('*', '_', '**', '[x]', '#', '\\', '`', '~', '<b>', '&amp;', '1.', '-', '+', '>', '!', 'a_b', 'snake_case', '2*3', '(c)', '"q"', '|'),
  );
  const looseInline = fc
    .array(
      fc.oneof(
        fc.array(looseWord, { minLength: 1, maxLength: 4 }).map((ws) => ws.join(' ')),
        fc.tuple(fc.constantFrom('*', '_', '**', '__', '***', '~~'), fc.array(word, { minLength: 1, maxLength: 3 })).map(([d, ws]) => d + ws.join(' ') + d),
        fc.tuple(fc.array(word, { minLength: 1, maxLength: 2 }), href).map(([ws, h]) => `[${ws.join(' ')}](${h.replace(/[()]/g, '\\$&')})`),
        href.map((h) => `<${h}>`),
        fc.tuple(fc.array(word, { minLength: 1, maxLength: 2 }), src).map(([ws, s]) => `![${ws.join(' ')}](${s})`),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .chain((parts) => fc.array(fc.constantFrom(' ', '  \n', '\\\n', '\n'), { minLength: parts.length - 1, maxLength: parts.length - 1 }).map((seps) => parts.map((p, i) => (i ? seps[i - 1] : '') + p).join('')));
  const looseBlock: fc.Arbitrary<string> = fc.oneof(
    looseInline,
    fc.tuple(fc.integer({ min: 1, max: 6 }), looseInline).map(([l, t]) => '#'.repeat(l) + ' ' + t.replace(/\n/g, ' ')),
    fc.tuple(fc.constantFrom('- ', '* ', '+ ', '1. ', '1) ', '7. '), fc.array(looseInline, { minLength: 1, maxLength: 3 }), fc.boolean()).map(([m, items, loose]) =>
      items.map((t, i) => (/\d/.test(m) ? m.replace(/\d+/, String(Number(m.match(/\d+/)![0]) + i)) : m) + t.replace(/\n/g, '\n   ')).join(loose ? '\n\n' : '\n'),
    ),
    looseInline.map((t) => '> ' + t.replace(/\n/g, '\n> ')),
  );
  const looseBody = fc.array(looseBlock, { minLength: 1, maxLength: 5 }).map((bs) => bs.join('\n\n'));

  it(`rewrites other spellings once, then is stable, with the same document and the same rendering (${RUNS} generated bodies)`, () => {
    fc.assert(
      fc.property(looseBody, (md) => {
        const once = roundTrip(md);
        expect(roundTrip(once)).toBe(once);
        expect(toDoc(once).eq(toDoc(md))).toBe(true);
        if (representable(md)) expect(renderedForm(once)).toBe(renderedForm(md));
      }),
      {
        numRuns: RUNS,
        // Found at RT_RUNS=3000: an item holding an empty item ("* *") after a
        // paragraph was written "-" on a line of its own, which cannot
        // interrupt the paragraph and underlined it into a heading.
        // So was one holding only a heading ("* # …").
        examples: [
          ['- <https://example.org/a>  \n   * *  \n   ![helps.](/media/0000a00a.jpg)\n- ![panic](https://images.example.org/calm.png)\n\n# ![panic](https://images.example.org/calm.png)'],
          ['- <https://example.org/a>  \n   * # ![helps.](/media/0000a00a.jpg)\n- ![panic](https://images.example.org/calm.png)\n\n# ![panic](https://images.example.org/calm.png)'],
        ],
      },
    );
  }, 600_000);
});

// ---------------------------------------------------------------------------
// Documents built directly, as editing builds them.

const s = schema;
type Seg = { text: string; marks: string[]; href: string | null } | { img: string; alt: string } | { br: true };
const seg: fc.Arbitrary<Seg> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ text: fc.constantFrom('calm', 'slow breath', 'a.', 'it,', '(note)', 'x', ' now', 'then ', '!'), marks: fc.subarray(['em', 'strong']), href: fc.option(href, { freq: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ img: src, alt: fc.constantFrom('A calm lake', 'Sleep diary', 'chart') }) },
  { weight: 1, arbitrary: fc.constant({ br: true as const }) },
);

function inlineNodes(segs: Seg[]): PMNode[] {
  const out: PMNode[] = [];
  for (const x of segs) {
    if ('br' in x) out.push(s.nodes.hard_break.create());
    else if ('img' in x) out.push(s.nodes.image.create({ src: x.img, alt: x.alt }));
    else {
      const marks = x.marks.map((m) => s.marks[m].create());
      if (x.href) marks.push(s.marks.link.create({ href: x.href }));
      out.push(s.text(x.text, marks));
    }
  }
  return out;
}
/** What a paragraph's content can be in Markdown: no spaces at its ends or around a break, no break at the end. */
const inlineSegs = fc
  .array(seg, { minLength: 1, maxLength: 6 })
  .map((xs) => {
    const ys = xs.filter((x, i) => !('br' in x) || (i > 0 && i < xs.length - 1 && !('br' in xs[i - 1]) && !('br' in xs[i + 1])));
    return ys.map((x, i) => {
      if (!('text' in x)) return x;
      let t = x.text;
      if (i === 0 || 'br' in ys[i - 1]) t = t.trimStart();
      if (i === ys.length - 1 || 'br' in ys[i + 1]) t = t.trimEnd();
      return { ...x, text: t };
    });
  })
  .filter((ys) => ys.some((y) => 'text' in y && y.text) && ys.every((y) => !('text' in y) || y.text));

const pmPara = inlineSegs.map((x) => s.nodes.paragraph.create(null, inlineNodes(x)));
const pmList = (type: 'bullet_list' | 'ordered_list') =>
  fc.array(pmPara, { minLength: 1, maxLength: 3 }).map((ps) => s.nodes[type].create(null, ps.map((p) => s.nodes.list_item.create(null, [p]))));
const pmBlock = fc.oneof(pmPara, pmPara, inlineSegs.map((x) => s.nodes.heading.create({ level: 2 }, inlineNodes(x.filter((y) => !('br' in y))))), pmList('bullet_list'), pmList('ordered_list'), pmPara.map((p) => s.nodes.blockquote.create(null, [p])));
const pmDoc = fc.array(pmBlock, { minLength: 1, maxLength: 5 }).map((bs) => s.nodes.doc.create(null, bs));

/**
 * A document's content character by character with its marks, except that
 * bold/italic on a space at the edge of a bold run is not kept apart: Markdown
 * cannot say "bold space" (`**then **` is not bold), so the serializer moves
 * such spaces outside the marks, which changes nothing a reader sees.
 * `loose` also disregards bold/italic/strike on punctuation (see fixFlanking).
 */
function canon(doc: PMNode, loose: '' | 'punct' | 'all' = ''): unknown {
  const walk = (n: PMNode): unknown => {
    if (n.isText) return null;
    const kids: unknown[] = [];
    let chars: { ch: string; marks: string[] }[] = [];
    const flush = () => {
      // A space at the edge of a link is outside it in Markdown's terms too.
      chars.forEach((c, i) => {
        if (loose === 'all' || (loose && /[\p{P}\p{S}]/u.test(c.ch))) c.marks = c.marks.filter((m) => m.startsWith('link:') || m === 'code');
        if (!/\s/.test(c.ch)) return;
        c.marks = c.marks.filter((m) => m.startsWith('link:') && chars[i - 1]?.marks.includes(m) && chars[i + 1]?.marks.includes(m));
      });
      let run: { text: string; marks: string } | null = null;
      for (const c of chars) {
        const marks = c.marks.join(',');
        if (run && run.marks === marks) run.text += c.ch;
        else kids.push((run = { text: c.ch, marks }));
      }
      chars = [];
    };
    n.forEach((c) => {
      if (c.isText) {
        const marks = c.marks.map((m) => m.type.name + (m.attrs.href ? ':' + m.attrs.href : ''));
        for (const ch of c.text!) chars.push({ ch, marks });
      } else {
        flush();
        kids.push({ type: c.type.name, attrs: c.attrs, content: walk(c) });
      }
    });
    flush();
    return kids;
  };
  return { type: doc.type.name, content: walk(doc) };
}

/** Whether two bold/italic runs in a textblock overlap without one containing the other. */
function crosses(doc: PMNode): boolean {
  let found = false;
  doc.descendants((b) => {
    if (!b.isTextblock) return true;
    const kids: PMNode[] = [];
    b.forEach((k) => kids.push(k));
    const runs = (name: string) => {
      const out: [number, number][] = [];
      kids.forEach((k, i) => {
        if (!k.marks.some((m) => m.type.name === name)) return;
        const len = k.isText ? k.text!.length : 1;
        const at = kids.slice(0, i).reduce((n, x) => n + (x.isText ? x.text!.length : 1), 0);
        if (out.length && out[out.length - 1][1] === at) out[out.length - 1][1] = at + len;
        else out.push([at, at + len]);
      });
      return out;
    };
    for (const [s1, e1] of runs('em')) for (const [s2, e2] of runs('strong')) if ((s1 < s2 && s2 < e1 && e1 < e2) || (s2 < s1 && s1 < e2 && e2 < e1)) found = true;
    return false;
  });
  return found;
}

/** Whether, between two letters, one bold/italic run ends and another begins (fixFlanking delays the second). */
function switchesInWord(doc: PMNode): boolean {
  let found = false;
  doc.descendants((b) => {
    if (!b.isTextblock) return true;
    const chars: { ch: string; marks: string[] }[] = [];
    b.forEach((k) => {
      const marks = k.marks.map((m) => m.type.name).filter((n) => n === 'em' || n === 'strong');
      if (k.isText) for (const ch of k.text!) chars.push({ ch, marks });
      else chars.push({ ch: ' ', marks });
    });
    const other = (ch: string) => !/[\s\p{P}\p{S}]/u.test(ch);
    for (let i = 1; i < chars.length; i++) {
      const [a, c] = [chars[i - 1], chars[i]];
      if (other(a.ch) && other(c.ch) && a.marks.some((m) => !c.marks.includes(m)) && c.marks.some((m) => !a.marks.includes(m))) found = true;
    }
    return false;
  });
  return found;
}

describe('editor document → Markdown → editor document', () => {
  it(`gives back the same document (${RUNS} generated documents)`, () => {
    fc.assert(
      fc.property(pmDoc, (doc) => {
        const md = toMarkdown(doc);
        const back = toDoc(md);
        // The same document, except where fixFlanking took punctuation out of a bold/italic run
        // or uncrossed two runs…
        expect(canon(back), md).toEqual(canon(writtenForm(doc)));
        // …which changes nothing but the emphasis of punctuation (and, for crossing runs, the overlap).
        const normalized = crosses(doc) || switchesInWord(doc) || JSON.stringify(canon(writtenForm(doc), 'punct')) !== JSON.stringify(canon(fixFlanking(doc), 'punct'));
        expect(canon(back, normalized ? 'all' : 'punct'), md).toEqual(canon(doc, normalized ? 'all' : 'punct'));
        expect(toMarkdown(back)).toBe(md);
      }),
      { numRuns: RUNS },
    );
  }, 600_000);
});

describe('what opens in the rich editor', () => {
  it('opens the demo articles’ Markdown unchanged', () => {
    for (const md of [
      'People describe a racing heart, shortness of breath, shaking, tingling hands and a strong sense that something terrible is about to happen.\n\nThese sensations are the body\'s **alarm system** firing when there is no danger to fight or flee.',
      '- Breathe in for four counts and out for six.\n- Name five things you can see and four you can hear.\n- Remind yourself: this will pass, and it is not dangerous.',
      'If your teen is in immediate danger, call 911. For urgent support in the US, call or text **988** (Suicide & Crisis Lifeline), available 24 hours a day.',
      'If these feelings get in the way of daily life, a **licensed therapist** can help you make a plan.',
    ]) {
      expect(representable(md)).toBe(true);
      expect(roundTrip(md)).toBe(md);
    }
  });

  it('sends tables, raw HTML and disallowed-scheme links to the Markdown view instead of rewriting them', () => {
    for (const md of ['| a | b |\n|---|---|\n| 1 | 2 |', 'Intro.\n\n<div class="alert">Approved</div>', 'x <b>y</b>', '[f](javascript:alert(1))']) {
      expect(representable(md), md).toBe(false);
    }
  });

  it('keeps "<b>" and "&copy;" typed as text as text', () => {
    const doc = schema.nodes.doc.create(null, [schema.nodes.paragraph.create(null, [schema.text('Use <b> for bold, &copy; for ©, 5 < 6 & 7 > 3.')])]);
    const md = toMarkdown(doc);
    expect(md).toBe('Use \\<b> for bold, \\&copy; for ©, 5 < 6 & 7 > 3.');
    expect(toDoc(md).eq(doc)).toBe(true);
  });
});
