import { useEffect, useId, useRef, useState, type DragEvent } from 'react';
import { api, ApiError } from '../lib/api';
import { counter } from '../lib/content';
import { ACCEPT, ALT_MAX, CAPTION_MAX, CREDIT_MAX, checkFile, formatBytes, uploadRefusal, type MediaItem } from '../lib/media';
import { Alert } from './ui';

/** Whether el takes typed text (a text field, a select, an editor). */
function typingIn(el: Element | null): boolean {
  if (el instanceof HTMLInputElement) return !['file', 'button', 'submit', 'reset', 'checkbox', 'radio'].includes(el.type);
  return el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement || (el instanceof HTMLElement && el.isContentEditable);
}

/**
 * Upload one image with its description: drop it on the zone or choose it
 * with the file input, describe it (alt text required, at most 300
 * characters), then send. A refusal (an SVG, a file too large, a damaged
 * image) is said in plain words and keeps the file and everything typed,
 * so nothing has to be done twice.
 */
export function MediaUpload({ onUploaded, autoFocus }: { onUploaded: (m: MediaItem) => void; autoFocus?: boolean }) {
  const uid = useId().replace(/:/g, '');
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState('');
  const [alt, setAlt] = useState('');
  const [caption, setCaption] = useState('');
  const [credit, setCredit] = useState('');
  const [refusal, setRefusal] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [over, setOver] = useState(false);
  const [done, setDone] = useState('');
  const inputRef = useRef<HTMLInputElement>(null);
  const altRef = useRef<HTMLTextAreaElement>(null);

  // A local preview so the alt text can be written looking at the image
  // (a data: URL: the admin CSP allows no other source for local files).
  useEffect(() => {
    setPreview('');
    // Only the formats the server takes: an SVG is never rendered here.
    if (!file || checkFile(file) || !ACCEPT.split(',').includes(file.type)) return;
    let cancel = false;
    const r = new FileReader();
    r.onload = () => !cancel && typeof r.result === 'string' && setPreview(r.result);
    r.readAsDataURL(file);
    return () => {
      cancel = true;
      r.abort();
    };
  }, [file]);

  const choose = (f: File | undefined | null) => {
    if (!f) return;
    setFile(f);
    setDone('');
    setFields({});
    setRefusal(checkFile(f));
    // The alt text is what to write next, unless the user is already
    // typing somewhere (the frame can come late: a busy machine's browser
    // moved the focus in the middle of typing the credit, and the credit
    // went into the alt text).
    requestAnimationFrame(() => {
      if (!typingIn(document.activeElement)) altRef.current?.focus();
    });
  };

  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    const files = e.dataTransfer?.files;
    if (!files?.length) return;
    // The file input shows the dropped file too (else it would still name an earlier choice).
    if (inputRef.current) {
      try {
        const one = new DataTransfer();
        one.items.add(files[0]);
        inputRef.current.files = one.files;
      } catch {
        inputRef.current.value = '';
      }
    }
    choose(files[0]);
  };

  const altCount = counter(alt, ALT_MAX);
  const submit = async () => {
    const f: Record<string, string> = {};
    if (!file) f.file = 'Choose an image first';
    if (!alt.trim()) f.alt = 'Describe the image for people who cannot see it (required)';
    else if (altCount.over) f.alt = `At most ${ALT_MAX} characters`;
    if ([...caption].length > CAPTION_MAX) f.caption = `At most ${CAPTION_MAX} characters`;
    if ([...credit].length > CREDIT_MAX) f.credit = `At most ${CREDIT_MAX} characters`;
    setFields(f);
    if (Object.keys(f).length || !file) {
      if (f.alt) altRef.current?.focus();
      return;
    }
    const pre = checkFile(file);
    if (pre) {
      setRefusal(pre);
      return;
    }
    const form = new FormData();
    form.append('alt', alt.trim());
    if (caption.trim()) form.append('caption', caption.trim());
    if (credit.trim()) form.append('credit', credit.trim());
    form.append('file', file, file.name);
    setBusy(true);
    setRefusal('');
    try {
      const m = await api.postForm<MediaItem>('/media', form);
      setDone(`“${file.name}” uploaded.`);
      setFile(null);
      setAlt('');
      setCaption('');
      setCredit('');
      if (inputRef.current) inputRef.current.value = '';
      onUploaded(m);
    } catch (e) {
      // Keep the file and the texts: the user fixes what was refused and sends again.
      setRefusal(uploadRefusal(e, file.name));
      if (e instanceof ApiError) setFields(e.fields);
    } finally {
      setBusy(false);
    }
  };

  const err = (k: string) => (fields[k] ? <p className="field-error" id={`${uid}-${k}-err`}>{fields[k]}</p> : null);
  const described = (k: string, extra = '') => [extra, fields[k] ? `${uid}-${k}-err` : ''].filter(Boolean).join(' ') || undefined;

  return (
    <div className="media-upload" aria-label="Upload an image" role="group">
      <div
        className={'dropzone' + (over ? ' over' : '') + (file ? ' has-file' : '')}
        data-testid="dropzone"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        {preview ? <img className="upload-preview" src={preview} alt="" /> : null}
        <div>
          <p className="dz-text">
            {file ? (
              <>
                <strong className="break">{file.name}</strong> · {formatBytes(file.size)}
              </>
            ) : (
              'Drop a JPEG, PNG or WebP image here (at most 20 MB), or choose one.'
            )}
          </p>
          <label htmlFor={`${uid}-file`} className="file-label">
            Image file
          </label>
          <input
            ref={inputRef}
            id={`${uid}-file`}
            className="file-input"
            type="file"
            accept={ACCEPT}
            data-autofocus={autoFocus ? true : undefined}
            aria-describedby={described('file')}
            onChange={(e) => choose(e.target.files?.[0])}
          />
          {err('file')}
        </div>
      </div>
      {refusal ? (
        <Alert kind="error" role="alert">
          <span data-testid="upload-refusal">{refusal}</span>
        </Alert>
      ) : null}
      {done ? <Alert kind="ok">{done}</Alert> : null}
      <div className={'field' + (fields.alt ? ' has-error' : '')}>
        <div className="label-row">
          <label htmlFor={`${uid}-alt`}>Alt text (required)</label>
          <span className={'counter' + (altCount.over ? ' over' : '')} id={`${uid}-alt-count`} aria-live="polite">
            {altCount.text}
            {altCount.over ? ' — too long' : ''}
          </span>
        </div>
        <p className="hint" id={`${uid}-alt-hint`}>
          What the image shows, for people who cannot see it. Articles use it unless they give their own.
        </p>
        <textarea
          ref={altRef}
          id={`${uid}-alt`}
          rows={2}
          value={alt}
          aria-invalid={fields.alt || altCount.over ? true : undefined}
          aria-describedby={described('alt', `${uid}-alt-hint ${uid}-alt-count`)}
          onChange={(e) => setAlt(e.target.value)}
        />
        {err('alt')}
      </div>
      <div className="row2">
        <div className={'field' + (fields.caption ? ' has-error' : '')}>
          <label htmlFor={`${uid}-caption`}>Caption</label>
          <input id={`${uid}-caption`} value={caption} aria-invalid={fields.caption ? true : undefined} aria-describedby={described('caption')} onChange={(e) => setCaption(e.target.value)} />
          {err('caption')}
        </div>
        <div className={'field' + (fields.credit ? ' has-error' : '')}>
          <label htmlFor={`${uid}-credit`}>Credit</label>
          <input id={`${uid}-credit`} value={credit} aria-invalid={fields.credit ? true : undefined} aria-describedby={described('credit')} onChange={(e) => setCredit(e.target.value)} />
          {err('credit')}
        </div>
      </div>
      <button type="button" className="btn btn-primary" onClick={submit} disabled={busy}>
        {busy ? 'Uploading…' : 'Upload image'}
      </button>
    </div>
  );
}
