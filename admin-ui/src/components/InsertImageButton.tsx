import { insertBlock, markdownImage } from '../lib/media';
import { pickMedia } from './MediaPicker';

/**
 * Inserts a library image into a Markdown textarea at the cursor, as
 * `![alt](url)` on a line of its own. (When the rich-text editor lands,
 * its image button calls pickImage() from MediaPicker instead.)
 */
export function InsertImageButton({ target, label, onChange }: { target: string; /** e.g. "Insert image in section 2" */ label: string; onChange: (markdown: string) => void }) {
  const insert = async () => {
    const el = document.getElementById(target) as HTMLTextAreaElement | null;
    const start = el?.selectionStart ?? el?.value.length ?? 0;
    const end = el?.selectionEnd ?? start;
    const m = await pickMedia({ title: 'Insert an image' });
    if (!m) return;
    const now = (document.getElementById(target) as HTMLTextAreaElement | null) ?? el;
    const { text, caret } = insertBlock(now?.value ?? '', start, end, markdownImage(m.alt, m.url));
    onChange(text);
    requestAnimationFrame(() => {
      const t = document.getElementById(target) as HTMLTextAreaElement | null;
      if (!t) return;
      t.focus();
      t.setSelectionRange(caret, caret);
    });
  };
  return (
    <button type="button" className="btn-small insert-image" aria-label={label} onClick={insert}>
      Insert image
    </button>
  );
}
