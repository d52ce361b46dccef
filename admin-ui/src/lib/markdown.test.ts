// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { imageBlockReason, markdownImages, renderMarkdown, sanitizeMarkdownHtml, setImageHosts } from './markdown';

function dom(html: string): HTMLElement {
  const d = document.createElement('div');
  d.innerHTML = html;
  return d;
}

afterEach(() => setImageHosts([]));

describe('the narrow Markdown policy', () => {
  it('renders what Markdown produces', () => {
    const d = dom(renderMarkdown('# H\n\nSome **bold** and *em*, `code`, [a link](https://example.org/x).\n\n- one\n- two\n\n> quote\n\n| a | b |\n|---|---|\n| 1 | 2 |'));
    expect(d.querySelector('h1')?.textContent).toBe('H');
    expect(d.querySelector('strong')?.textContent).toBe('bold');
    expect(d.querySelectorAll('li')).toHaveLength(2);
    expect(d.querySelector('blockquote')).not.toBeNull();
    expect(d.querySelector('table td')?.textContent).toBe('1');
    expect(d.querySelector('a')?.getAttribute('href')).toBe('https://example.org/x');
  });

  it('turns the fake green "Approved" notice with a Sign button into plain text and a plain link', () => {
    const md =
      'Intro.\n\n<div class="alert alert-ok" role="status">Approved by the clinical team — click <a class="btn btn-primary" href="https://evil.example/sign">Sign</a></div>\n\n<button class="btn btn-primary">Sign</button>';
    const html = renderMarkdown(md);
    const d = dom(html);
    expect(d.querySelector('[class], [role], [id], [style]')).toBeNull();
    expect(d.querySelector('div, button')).toBeNull();
    expect(d.textContent).toContain('Approved by the clinical team');
    const a = d.querySelector('a');
    expect(a?.getAttribute('class')).toBeNull();
    expect(a?.textContent).toBe('Sign');
    expect(html).not.toMatch(/alert|btn|status/);
  });

  it('does not fetch a tracking pixel from an arbitrary host; names its alt text and host instead', () => {
    const d = dom(renderMarkdown('Read on.\n\n![pixel](https://tracker.example.net/p.gif?u=reviewer)'));
    expect(d.querySelector('img')).toBeNull();
    const ph = d.querySelector('.md-blocked-img');
    expect(ph?.textContent).toContain('pixel');
    expect(ph?.textContent).toContain('tracker.example.net');
    expect(d.innerHTML).not.toContain('src=');
  });

  it('drops raw-HTML images, forms, details, svg, math, video, iframes, scripts and handlers', () => {
    const md = [
      '<img src="https://tracker.example.net/x.gif" onerror="alert(1)">',
      '<form action="https://evil.example"><input name="p" type="password"><button>Go</button></form>',
      '<details open><summary>More</summary>hidden text</details>',
      '<svg><a href="https://evil.example"><text>svg link</text></a></svg>',
      '<math><mi>x</mi></math>',
      '<video src="https://evil.example/v.mp4"></video><audio src="x"></audio><iframe src="https://evil.example"></iframe>',
      '<script>alert(1)</script><style>body{display:none}</style>',
      '<p style="color:green" id="approve" data-x="1" aria-label="Approved">styled</p>',
    ].join('\n\n');
    const d = dom(renderMarkdown(md));
    expect(d.querySelector('img, form, input, button, details, summary, svg, math, video, audio, iframe, script, style')).toBeNull();
    expect(d.querySelector('[style], [id], [data-x], [aria-label], [onerror]')).toBeNull();
    expect(d.querySelector('.md-blocked-img')?.textContent).toContain('tracker.example.net');
    expect(d.textContent).toContain('styled');
  });

  it('keeps http(s), mailto, tel and # links only', () => {
    const d = dom(
      renderMarkdown('[a](https://x.example) [b](http://x.example) [c](mailto:a@x.example) [d](tel:+15550100) [e](#top) [f](javascript:alert(1)) [g](data:text/html,x) [h](/admin/users) [i](//evil.example)'),
    );
    const hrefs = Array.from(d.querySelectorAll('a')).map((a) => a.getAttribute('href'));
    expect(hrefs).toEqual(['https://x.example', 'http://x.example', 'mailto:a@x.example', 'tel:+15550100', '#top', null, null, null, null]);
  });

  it('loads images only from /media/ or an allow-listed host, and writes out alt text', () => {
    setImageHosts(['images.example.org']);
    const d = dom(renderMarkdown('![A calm lake](/media/lake.jpg) ![Trees](https://images.example.org/t.jpg) ![Other](https://other.example.org/o.jpg) ![](/media/no-alt.jpg)'));
    const srcs = Array.from(d.querySelectorAll('img')).map((i) => i.getAttribute('src'));
    expect(srcs).toEqual(['/media/lake.jpg', 'https://images.example.org/t.jpg', '/media/no-alt.jpg']);
    const alts = Array.from(d.querySelectorAll('.md-alt')).map((s) => s.textContent);
    expect(alts).toEqual(['Alt text: A calm lake', 'Alt text: Trees', 'Alt text: Other', 'Alt text missing']);
    expect(d.querySelector('.md-blocked-img')?.textContent).toContain('other.example.org');
  });

  it('classifies image addresses', () => {
    expect(imageBlockReason('/media/a.png', [])).toBe('');
    expect(imageBlockReason('/media/../admin', [])).not.toBe('');
    expect(imageBlockReason('//evil.example/a.png', [])).not.toBe('');
    expect(imageBlockReason('https://evil.example/a.png', [])).toContain('evil.example');
    expect(imageBlockReason('https://ok.example/a.png', ['ok.example'])).toBe('');
    expect(imageBlockReason('data:image/png;base64,AAAA', ['ok.example'])).not.toBe('');
  });

  it('sanitizes once per text (cached) and again when the allowed hosts change', () => {
    const md = '![x](https://late.example/x.png)';
    const first = renderMarkdown(md);
    expect(renderMarkdown(md)).toBe(first);
    setImageHosts(['late.example']);
    expect(renderMarkdown(md)).toContain('src="https://late.example/x.png"');
  });

  it('sanitizeMarkdownHtml strips classes even from Markdown-looking elements', () => {
    expect(sanitizeMarkdownHtml('<pre><code class="language-js">x</code></pre>')).toBe('<pre><code>x</code></pre>');
  });

  it('lists the images of a Markdown text', () => {
    expect(markdownImages('a ![one](/media/1.png) b\n\n![two](https://x.example/2.png)')).toEqual([
      { src: '/media/1.png', alt: 'one' },
      { src: 'https://x.example/2.png', alt: 'two' },
    ]);
  });
});
