// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { DOMParser as PMDOMParser } from 'prosemirror-model';
import gdocs from './fixtures/gdocs-paste.html?raw';
import word from './fixtures/word-paste.html?raw';
import { cleanPastedHtml } from './paste';
import { schema } from './schema';
import { toMarkdown } from './markdown';
import { linkAllowed, setImageHosts } from '../markdown';
import { linkProblem } from '../../components/RichText';

/** What the editor makes of pasted HTML: cleaned, parsed by the schema, written as Markdown. */
function pasted(html: string): string {
  const box = document.createElement('div');
  box.innerHTML = cleanPastedHtml(html);
  return toMarkdown(PMDOMParser.fromSchema(schema).parse(box));
}

afterEach(() => setImageHosts([]));

describe('pasting from Google Docs and Word', () => {
  it('keeps a Google Docs paste’s heading, bold, italic, link and (nested, numbered) lists, and drops its styling', () => {
    expect(pasted(gdocs)).toBe(
      [
        '## When panic shows up at work',
        '',
        'A panic attack is **frightening but not dangerous**, and it *always passes*. Read [the guide](https://example.org/panic-guide).',
        '',
        '- Breathe out slowly',
        '- Name five things you can see',
        '  - and four you can hear',
        '',
        '1. Notice the feeling',
        '2. **Let it pass**',
        '',
        'Styled red text in another font.',
      ].join('\n'),
    );
  });

  it('does not make the whole Google Docs paste bold (its <b style="font-weight:normal"> wrapper)', () => {
    expect(pasted(gdocs)).not.toMatch(/^\*\*## |\*\*When/);
  });

  it('rebuilds Word’s paragraph-styled lists as real lists and drops mso- styles, <o:p> and conditional comments', () => {
    expect(pasted(word)).toBe(
      [
        '# Sleep and mood',
        '',
        'Short or broken sleep makes emotions **harder to regulate**, and low mood brings *early waking*. See the [sleep guide](https://example.org/sleep) or call [the line](tel:+15550100).',
        '',
        '- Get up at the same time every day',
        '  - even at **weekends**',
        '- Keep the bed for sleep',
        '',
        '1. Write down when you sleep',
        '2. Look for patterns after two weeks',
        '',
        'Red highlighted text.',
      ].join('\n'),
    );
  });

  it('leaves no style, class, id, lang or span in the cleaned HTML', () => {
    for (const html of [gdocs, word]) {
      const out = cleanPastedHtml(html);
      expect(out).not.toMatch(/style=|class=|\sid=|lang=|<span|<o:p|<font|mso-|supportLists|<!--/i);
    }
  });

  it('keeps only links the link policy allows (the text of others stays)', () => {
    const md = pasted(
      '<p><a href="https://a.example/x">web</a> <a href="mailto:a@example.org">mail</a> <a href="tel:+15550100">phone</a> <a href="javascript:alert(1)">script</a> <a href="ftp://files.example/x">ftp</a> <a href="data:text/html,x">data</a> <a href="/admin/users">relative</a> <a name="_Toc1">anchor</a></p>',
    );
    expect(md).toBe('[web](https://a.example/x) [mail](mailto:a@example.org) [phone](tel:+15550100) script ftp data relative anchor');
  });

  it('keeps pasted images only from the media library or an allowed host, and only with alt text', () => {
    setImageHosts(['images.example.org']);
    const md = pasted(
      '<p>A<img src="/media/lake.jpg" alt="A calm lake"> B<img src="https://images.example.org/t.png" alt="Trees"> C<img src="https://tracker.example.net/p.gif" alt="pixel"> D<img src="/media/no-alt.jpg"> E<img src="https://lh7-rt.googleusercontent.example/docsz/abc" alt=""></p>',
    );
    expect(md).toBe('A![A calm lake](/media/lake.jpg) B![Trees](https://images.example.org/t.png) C D E');
  });

  it('drops scripts, styles, forms and tables’ structure but keeps their text as paragraphs', () => {
    const md = pasted('<script>alert(1)</script><style>p{color:red}</style><table><tr><td><p>cell one</p></td><td><p>cell two</p></td></tr></table><form><button>Go</button></form>');
    expect(md).toBe('cell one\n\ncell two');
  });

  it('passes the editor’s own copies through untouched', () => {
    const own = '<p data-pm-slice="1 1 []"><strong style="x">a</strong></p>';
    expect(cleanPastedHtml(own)).toBe(own);
  });
});

describe('link policy (toolbar link dialog)', () => {
  it('accepts http(s), mailto and tel, and refuses everything else', () => {
    for (const ok of ['https://example.org', 'http://example.org/a?b=1', 'mailto:help@example.org', 'tel:+15550100', '#top']) {
      expect(linkAllowed(ok), ok).toBe(true);
      expect(linkProblem(ok), ok).toBe('');
    }
    for (const bad of ['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'data:text/html,x', 'ftp://files.example', '/admin/users', '//evil.example', 'https://', 'mailto:', 'https://exa mple.org', 'vbscript:x', 'file:///etc/passwd']) {
      expect(linkAllowed(bad), bad).toBe(false);
      expect(linkProblem(bad), bad).not.toBe('');
    }
  });
});
