import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { toggleMark } from 'prosemirror-commands';
import type { Node as PMNode } from 'prosemirror-model';
import { EditorState, type Command } from 'prosemirror-state';
import { EditorView, type NodeView } from 'prosemirror-view';
import 'prosemirror-view/style/prosemirror.css';
import { blockedText, imageBlockReason, linkAllowed } from '../lib/markdown';
import { schema } from '../lib/richtext/schema';
import { representable, toDoc, toMarkdown } from '../lib/richtext/markdown';
import { cleanPastedHtml } from '../lib/richtext/paste';
import {
  blockActive,
  inList,
  inQuote,
  insertImage,
  linkRange,
  markActive,
  setLink,
  shortcuts,
  toggleHeading,
  toggleList,
  toggleQuote,
} from '../lib/richtext/commands';
import { Dialog } from './Dialog';

export type PickedImage = { src: string; alt: string };

export type RichTextProps = {
  /** Accessible name of the editing surface; the Markdown view's textarea is "<label> (Markdown)". */
  label: string;
  /** The stored Markdown. */
  value: string;
  /** Called with the Markdown after each edit (never on load: opening a text does not change it). */
  onChange: (md: string) => void;
  /** The toolbar's image button: returns the image to insert (media picker), or null. Without it, a URL and alt text dialog. */
  onPickImage?: () => Promise<PickedImage | null>;
  /** When given, a "Comment" button passes the selected text (the quote a comment anchors to). */
  onSelectionComment?: (quote: string) => void;
  id?: string;
  invalid?: boolean;
  describedBy?: string;
  readOnly?: boolean;
  /** Minimum height in text lines. */
  rows?: number;
};

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
const MOD = isMac ? '⌘' : 'Ctrl+';
const ARIA_MOD = isMac ? 'Meta+' : 'Control+';

/** Inline images in the editor as the preview shows them: loaded only when the image policy allows, alt text written out. */
class ImageView implements NodeView {
  dom: HTMLElement;
  constructor(node: PMNode) {
    const src = String(node.attrs.src ?? '');
    const alt = String(node.attrs.alt ?? '');
    const wrap = document.createElement('span');
    wrap.className = 'rt-img md-figure';
    wrap.contentEditable = 'false';
    const blocked = src ? imageBlockReason(src) : 'no address';
    if (blocked) {
      const ph = document.createElement('span');
      ph.className = 'md-blocked-img';
      ph.textContent = blockedText(src, alt, blocked);
      wrap.appendChild(ph);
    } else {
      const img = document.createElement('img');
      img.src = src;
      img.alt = alt;
      wrap.appendChild(img);
    }
    const cap = document.createElement('span');
    cap.className = alt ? 'md-alt' : 'md-alt md-alt-missing';
    cap.textContent = alt ? `Alt text: ${alt}` : 'Alt text missing';
    wrap.appendChild(cap);
    this.dom = wrap;
  }
  ignoreMutation() {
    return true;
  }
}

function selectedQuote(view: EditorView): string {
  const { from, to } = view.state.selection;
  return view.state.doc.textBetween(from, to, '\n', ' ').trim();
}

/**
 * Rich-text editing of a Markdown field (a section body, the Clinician's
 * take, the CTA text). The Markdown stays the stored format: the editor
 * shows it as formatted text and writes Markdown back on every edit.
 * A text the editor cannot show without changing its meaning (a table, raw
 * HTML) opens in the Markdown view instead.
 */
export function RichText({ label, value, onChange, onPickImage, onSelectionComment, id, invalid, describedBy, readOnly, rows = 6 }: RichTextProps) {
  const autoId = useId();
  const surfaceId = id ?? 'rt-' + autoId.replace(/[^a-zA-Z0-9_-]/g, '');
  const noteId = surfaceId + '-note';
  const [mode, setMode] = useState<'rich' | 'markdown'>(() => (representable(value) ? 'rich' : 'markdown'));
  const [note, setNote] = useState(() =>
    representable(value) ? '' : 'This text uses Markdown the rich editor cannot show without changing it (for example a table or HTML), so it is shown as Markdown.',
  );
  const [, setTick] = useState(0);
  const [linkDlg, setLinkDlg] = useState<{ href: string; text: string; needText: boolean; editing: boolean } | null>(null);
  const [imageDlg, setImageDlg] = useState<{ src: string; alt: string } | null>(null);
  const [mdSelection, setMdSelection] = useState('');

  const mountRef = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const toolbarRef = useRef<HTMLDivElement>(null);
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const lastEmitted = useRef(value);
  const valueRef = useRef(value);
  valueRef.current = value;
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const readOnlyRef = useRef(!!readOnly);
  readOnlyRef.current = !!readOnly;
  const openLinkRef = useRef<() => void>(() => {});

  const attributes = useCallback(
    (): Record<string, string> => {
      const a: Record<string, string> = {
        id: surfaceId,
        role: 'textbox',
        'aria-multiline': 'true',
        'aria-label': label,
        class: 'rt-surface',
        spellcheck: 'true',
      };
      if (invalid) a['aria-invalid'] = 'true';
      const desc = [describedBy, note ? noteId : ''].filter(Boolean).join(' ');
      if (desc) a['aria-describedby'] = desc;
      if (readOnly) a['aria-readonly'] = 'true';
      return a;
    },
    [surfaceId, label, invalid, describedBy, note, noteId, readOnly],
  );
  const attributesRef = useRef(attributes);
  attributesRef.current = attributes;

  const makeState = (md: string) => EditorState.create({ schema, doc: toDoc(md), plugins: shortcuts(() => openLinkRef.current()) });

  // The editing surface, while in rich mode.
  useEffect(() => {
    if (mode !== 'rich' || !mountRef.current) return;
    const view: EditorView = new EditorView(mountRef.current, {
      state: makeState(valueRef.current),
      attributes: attributesRef.current(),
      editable: () => !readOnlyRef.current,
      nodeViews: { image: (node) => new ImageView(node) },
      transformPastedHTML: (html) => cleanPastedHtml(html),
      handleKeyDown: (_v, e) => {
        // Alt+F10 moves to the toolbar (as in other editors).
        if (e.altKey && e.key === 'F10') {
          toolbarRef.current?.querySelector<HTMLButtonElement>('button[tabindex="0"]')?.focus();
          return true;
        }
        return false;
      },
      dispatchTransaction(tr) {
        const next = view.state.apply(tr);
        view.updateState(next);
        if (tr.docChanged) {
          const md = toMarkdown(next.doc);
          if (md !== lastEmitted.current) {
            lastEmitted.current = md;
            onChangeRef.current(md);
          }
        }
        setTick((t) => t + 1);
      },
    });
    viewRef.current = view;
    lastEmitted.current = valueRef.current;
    setTick((t) => t + 1);
    return () => {
      view.destroy();
      viewRef.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [mode]);

  useEffect(() => {
    viewRef.current?.setProps({ attributes: attributes() });
  }, [attributes, mode]);

  useEffect(() => {
    const v = viewRef.current;
    if (v) v.setProps({ editable: () => !readOnly });
  }, [readOnly]);

  // A value from outside (another tab's version, a restored draft, sections reordered): show it.
  useEffect(() => {
    if (value === lastEmitted.current) return;
    lastEmitted.current = value;
    const v = viewRef.current;
    if (mode === 'rich' && v) {
      if (!representable(value)) {
        setMode('markdown');
        setNote('This text uses Markdown the rich editor cannot show without changing it (for example a table or HTML), so it is shown as Markdown.');
        return;
      }
      v.updateState(makeState(value));
      setTick((t) => t + 1);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value]);

  const view = viewRef.current;
  const state = view?.state;
  const rich = mode === 'rich' && !!state;
  const disabled = !!readOnly;

  const run = (cmd: Command) => {
    const v = viewRef.current;
    if (!v || readOnlyRef.current) return;
    cmd(v.state, v.dispatch, v);
    v.focus();
  };

  const openLink = () => {
    const v = viewRef.current;
    if (!v || readOnlyRef.current) return;
    const range = linkRange(v.state);
    setLinkDlg({ href: range?.href ?? '', text: '', needText: v.state.selection.empty && !range, editing: !!range });
  };
  openLinkRef.current = openLink;

  const pickImage = async () => {
    if (!viewRef.current || readOnlyRef.current) return;
    if (onPickImage) {
      const picked = await onPickImage();
      if (!picked) return;
      if (!picked.alt.trim() || imageBlockReason(picked.src)) setImageDlg({ src: picked.src, alt: picked.alt });
      else run(insertImage(picked.src, picked.alt.trim()));
      return;
    }
    setImageDlg({ src: '', alt: '' });
  };

  const toggleMode = () => {
    if (mode === 'rich') {
      setMode('markdown');
      setNote('');
      requestAnimationFrame(() => textareaRef.current?.focus());
      return;
    }
    if (!representable(value)) {
      setNote('The rich editor cannot show this Markdown without changing it (for example a table or HTML): keep editing it here, or remove that part first.');
      return;
    }
    setNote('');
    setMode('rich');
    requestAnimationFrame(() => viewRef.current?.focus());
  };

  const comment = () => {
    if (!onSelectionComment) return;
    const q = mode === 'rich' && viewRef.current ? selectedQuote(viewRef.current) : mdSelection.trim();
    if (q) onSelectionComment(q.slice(0, 1000));
  };

  // Toolbar: one tab stop, arrow keys move between buttons (WAI-ARIA toolbar pattern).
  const [focusIdx, setFocusIdx] = useState(0);
  const onToolbarKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const buttons = Array.from(toolbarRef.current?.querySelectorAll<HTMLButtonElement>('button:not([disabled])') ?? []);
    const cur = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (cur < 0) return;
    let next = -1;
    if (e.key === 'ArrowRight') next = (cur + 1) % buttons.length;
    else if (e.key === 'ArrowLeft') next = (cur - 1 + buttons.length) % buttons.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = buttons.length - 1;
    else if (e.key === 'Escape' && mode === 'rich') {
      e.preventDefault();
      viewRef.current?.focus();
      return;
    }
    if (next < 0) return;
    e.preventDefault();
    buttons[next].focus();
    const all = Array.from(toolbarRef.current?.querySelectorAll<HTMLButtonElement>('button') ?? []);
    setFocusIdx(all.indexOf(buttons[next]));
  };

  let idx = 0;
  const btn = ({
    name,
    keys,
    pressed,
    onClick,
    children,
    enabled = rich && !disabled,
    className = '',
  }: {
    name: string;
    keys?: string;
    pressed?: boolean;
    onClick: () => void;
    children: ReactNode;
    enabled?: boolean;
    className?: string;
  }) => {
    const i = idx++;
    // A function, not a component: the buttons keep their identity (and focus) across renders.
    return (
      <button
        type="button"
        className={'rt-btn ' + className}
        aria-label={name}
        title={keys ? `${name} (${keys.replace('Mod+', MOD)})` : name}
        aria-keyshortcuts={keys ? keys.replace('Mod+', ARIA_MOD) : undefined}
        aria-pressed={pressed === undefined ? undefined : pressed}
        disabled={!enabled}
        tabIndex={i === focusIdx ? 0 : -1}
        onMouseDown={(e) => e.preventDefault()}
        onFocus={() => setFocusIdx(i)}
        onClick={onClick}
      >
        {children}
      </button>
    );
  };

  const s = state;
  const hasSelection = mode === 'rich' ? !!s && !s.selection.empty : !!mdSelection.trim();

  return (
    <div className={'rt' + (invalid ? ' rt-invalid' : '') + (readOnly ? ' rt-readonly' : '')} data-mode={mode}>
      <div className="rt-toolbar" role="toolbar" aria-label="Formatting" aria-controls={surfaceId} ref={toolbarRef} onKeyDown={onToolbarKey}>
        {btn({ name: 'Bold', keys: 'Mod+B', pressed: rich && markActive(s!, schema.marks.strong), onClick: () => run(toggleMark(schema.marks.strong)), children: <b aria-hidden="true">B</b> })}
        {btn({ name: 'Italic', keys: 'Mod+I', pressed: rich && markActive(s!, schema.marks.em), onClick: () => run(toggleMark(schema.marks.em)), children: <i aria-hidden="true">I</i> })}
        {btn({ name: 'Heading', keys: 'Mod+Alt+2', pressed: rich && blockActive(s!, schema.nodes.heading, { level: 2 }), onClick: () => run(toggleHeading(2)), children: <span aria-hidden="true">H2</span> })}
        {btn({ name: 'Subheading', keys: 'Mod+Alt+3', pressed: rich && blockActive(s!, schema.nodes.heading, { level: 3 }), onClick: () => run(toggleHeading(3)), children: <span aria-hidden="true">H3</span> })}
        {btn({ name: 'Bulleted list', keys: 'Mod+Shift+8', pressed: rich && inList(s!, schema.nodes.bullet_list), onClick: () => run(toggleList(schema.nodes.bullet_list)), children: <span aria-hidden="true">• List</span> })}
        {btn({ name: 'Numbered list', keys: 'Mod+Shift+7', pressed: rich && inList(s!, schema.nodes.ordered_list), onClick: () => run(toggleList(schema.nodes.ordered_list)), children: <span aria-hidden="true">1. List</span> })}
        {btn({ name: 'Quote', keys: 'Mod+Shift+9', pressed: rich && inQuote(s!), onClick: () => run(toggleQuote()), children: <span aria-hidden="true">❝ Quote</span> })}
        {btn({ name: 'Link', keys: 'Mod+K', pressed: rich && !!linkRange(s!), onClick: openLink, children: <span aria-hidden="true">Link</span> })}
        {btn({ name: 'Image', onClick: pickImage, children: <span aria-hidden="true">Image</span> })}
        {onSelectionComment ? btn({ name: 'Comment on selection', enabled: hasSelection, onClick: comment, className: 'rt-comment', children: <span aria-hidden="true">Comment</span> }) : null}
        {btn({ name: 'Markdown', pressed: mode === 'markdown', enabled: true, onClick: toggleMode, className: 'rt-mode', children: <span aria-hidden="true">Markdown</span> })}
      </div>
      {mode === 'rich' ? (
        <div ref={mountRef} className={`rt-mount rt-rows-${Math.min(Math.max(rows, 2), 10)}`} />
      ) : (
        <textarea
          ref={textareaRef}
          id={surfaceId}
          className="rt-markdown mono"
          aria-label={`${label} (Markdown)`}
          aria-invalid={invalid ? true : undefined}
          aria-describedby={[describedBy, note ? noteId : ''].filter(Boolean).join(' ') || undefined}
          readOnly={readOnly}
          rows={Math.min(30, Math.max(rows, 4, value.split('\n').length + 1))}
          value={value}
          onSelect={(e) => {
            const t = e.currentTarget;
            setMdSelection(t.value.slice(t.selectionStart, t.selectionEnd));
          }}
          onChange={(e) => {
            lastEmitted.current = e.target.value;
            onChange(e.target.value);
          }}
        />
      )}
      {note ? (
        <p className="hint rt-note" id={noteId} role="status">
          {note}
        </p>
      ) : null}
      {linkDlg
        ? createPortal(
            <LinkDialog
              initial={linkDlg}
              onClose={() => {
                setLinkDlg(null);
                viewRef.current?.focus();
              }}
              onApply={(href, text) => {
                setLinkDlg(null);
                run(setLink(href, text));
              }}
            />,
            document.body,
          )
        : null}
      {imageDlg
        ? createPortal(
            <ImageDialog
              initial={imageDlg}
              onClose={() => {
                setImageDlg(null);
                viewRef.current?.focus();
              }}
              onInsert={(src, alt) => {
                setImageDlg(null);
                run(insertImage(src, alt));
              }}
            />,
            document.body,
          )
        : null}
    </div>
  );
}

/** Why a link address is refused, or ''. */
export function linkProblem(href: string): string {
  const h = href.trim();
  if (!h) return 'Enter the address the link goes to.';
  if (!linkAllowed(h)) return 'Links can go to web addresses (https://…), email (mailto:…) or phone numbers (tel:…) only.';
  return '';
}

function LinkDialog({
  initial,
  onClose,
  onApply,
}: {
  initial: { href: string; text: string; needText: boolean; editing: boolean };
  onClose: () => void;
  onApply: (href: string, text: string) => void;
}) {
  const [href, setHref] = useState(initial.href);
  const [text, setText] = useState(initial.text);
  const [error, setError] = useState('');
  const submit = () => {
    let h = href.trim();
    // "example.org/page" means the web address.
    if (h && !/^[a-z][a-z0-9+.-]*:/i.test(h) && !h.startsWith('#') && /^[^\s/]+\.[^\s/]+/.test(h)) h = 'https://' + h;
    const problem = linkProblem(h);
    if (problem) {
      setError(problem);
      return;
    }
    onApply(h, text);
  };
  return (
    <Dialog title={initial.editing ? 'Edit link' : 'Add link'} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          e.stopPropagation();
          submit();
        }}
        noValidate
      >
        {initial.needText ? (
          <div className="field">
            <label htmlFor="rt-link-text">Link text</label>
            <input id="rt-link-text" value={text} onChange={(e) => setText(e.target.value)} />
          </div>
        ) : null}
        <div className={'field' + (error ? ' has-error' : '')}>
          <label htmlFor="rt-link-href">Link address</label>
          <p className="hint" id="rt-link-hint">
            A web address (https://…), an email (mailto:…) or a phone number (tel:…).
          </p>
          <input
            id="rt-link-href"
            data-autofocus
            inputMode="url"
            autoComplete="off"
            value={href}
            aria-invalid={error ? true : undefined}
            aria-describedby={'rt-link-hint' + (error ? ' rt-link-err' : '')}
            onChange={(e) => {
              setHref(e.target.value);
              setError('');
            }}
          />
          {error ? (
            <p className="field-error" id="rt-link-err" role="alert">
              {error}
            </p>
          ) : null}
        </div>
        <div className="dialog-actions">
          {initial.editing ? (
            <button type="button" className="btn btn-danger-text" onClick={() => onApply('', '')}>
              Remove link
            </button>
          ) : null}
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary">
            Apply link
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ImageDialog({ initial, onClose, onInsert }: { initial: { src: string; alt: string }; onClose: () => void; onInsert: (src: string, alt: string) => void }) {
  const [src, setSrc] = useState(initial.src);
  const [alt, setAlt] = useState(initial.alt);
  const [errors, setErrors] = useState<{ src?: string; alt?: string }>({});
  const submit = () => {
    const e: { src?: string; alt?: string } = {};
    const s = src.trim();
    const blocked = s ? imageBlockReason(s) : 'enter the image address';
    if (blocked) e.src = s ? `This image cannot be shown: ${blocked}. Use an image from the media library (/media/…) or an allowed image host.` : 'Enter the image address.';
    if (!alt.trim()) e.alt = 'Describe the image for people who cannot see it.';
    setErrors(e);
    if (!e.src && !e.alt) onInsert(s, alt.trim());
  };
  return (
    <Dialog title="Insert image" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          e.stopPropagation();
          submit();
        }}
        noValidate
      >
        <div className={'field' + (errors.src ? ' has-error' : '')}>
          <label htmlFor="rt-img-src">Image address</label>
          <p className="hint" id="rt-img-src-hint">
            From the media library (/media/…) or an allowed image host.
          </p>
          <input
            id="rt-img-src"
            data-autofocus
            inputMode="url"
            value={src}
            aria-invalid={errors.src ? true : undefined}
            aria-describedby={'rt-img-src-hint' + (errors.src ? ' rt-img-src-err' : '')}
            onChange={(e) => setSrc(e.target.value)}
          />
          {errors.src ? (
            <p className="field-error" id="rt-img-src-err">
              {errors.src}
            </p>
          ) : null}
        </div>
        <div className={'field' + (errors.alt ? ' has-error' : '')}>
          <label htmlFor="rt-img-alt">Image alt text (required)</label>
          <input
            id="rt-img-alt"
            value={alt}
            required
            aria-invalid={errors.alt ? true : undefined}
            aria-describedby={errors.alt ? 'rt-img-alt-err' : undefined}
            onChange={(e) => setAlt(e.target.value)}
          />
          {errors.alt ? (
            <p className="field-error" id="rt-img-alt-err">
              {errors.alt}
            </p>
          ) : null}
        </div>
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary">
            Insert image
          </button>
        </div>
      </form>
    </Dialog>
  );
}
