import { marked } from 'marked';
import DOMPurify from 'dompurify';

/** Markdown → sanitized HTML for previews (no inline styles, scripts or handlers). */
export function renderMarkdown(md: string): string {
  const html = marked.parse(md ?? '', { async: false, gfm: true, breaks: false }) as string;
  return DOMPurify.sanitize(html, { FORBID_ATTR: ['style'], FORBID_TAGS: ['style', 'script', 'iframe', 'form'] });
}
