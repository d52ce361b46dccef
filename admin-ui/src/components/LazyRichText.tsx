import { lazy, Suspense } from 'react';
import type { RichTextProps } from './RichText';

// The rich-text editor (ProseMirror and a Markdown parser) is loaded with the
// first screen that edits text, not with the app: the dashboard, lists and
// review screens do not pay for it.
const RichText = lazy(() => import('./RichText').then((m) => ({ default: m.RichText })));

export function LazyRichText(props: RichTextProps) {
  return (
    <Suspense
      fallback={
        <div className="rt rt-loading" aria-busy="true">
          <p className="hint">Loading the editor…</p>
        </div>
      }
    >
      <RichText {...props} />
    </Suspense>
  );
}
