import { baseKeymap, chainCommands, exitCode, lift, setBlockType, toggleMark, wrapIn } from 'prosemirror-commands';
import { history, redo, undo } from 'prosemirror-history';
import { InputRule, inputRules, textblockTypeInputRule, wrappingInputRule } from 'prosemirror-inputrules';
import { keymap } from 'prosemirror-keymap';
import type { MarkType, NodeType, Node as PMNode } from 'prosemirror-model';
import { liftListItem, sinkListItem, splitListItem, wrapInList } from 'prosemirror-schema-list';
import { EditorState, Plugin, TextSelection, type Command } from 'prosemirror-state';
import { schema } from './schema';

// Editing commands, keyboard shortcuts and typing shortcuts (Markdown-like
// input rules: "# ", "- ", "1. ", "> ") for the rich-text editor.

const n = schema.nodes;
const m = schema.marks;

export function markActive(state: EditorState, type: MarkType): boolean {
  const { from, $from, to, empty } = state.selection;
  if (empty) return !!type.isInSet(state.storedMarks || $from.marks());
  return state.doc.rangeHasMark(from, to, type);
}

/** The innermost list around the selection, with its depth. */
function listAround(state: EditorState): { node: PMNode; depth: number } | null {
  const { $from } = state.selection;
  for (let d = $from.depth; d > 0; d--) {
    const node = $from.node(d);
    if (node.type === n.bullet_list || node.type === n.ordered_list) return { node, depth: d };
  }
  return null;
}

export type BlockKind = 'paragraph' | 'h2' | 'h3' | 'h4' | 'heading' | 'code';

export function blockActive(state: EditorState, type: NodeType, attrs?: Record<string, unknown>): boolean {
  const { $from, to } = state.selection;
  if (to > $from.end()) return false;
  const parent = $from.parent;
  if (parent.type !== type) return false;
  return !attrs || Object.entries(attrs).every(([k, v]) => parent.attrs[k] === v);
}

export function inList(state: EditorState, type: NodeType): boolean {
  return listAround(state)?.node.type === type;
}

export function inQuote(state: EditorState): boolean {
  const { $from } = state.selection;
  for (let d = $from.depth; d > 0; d--) if ($from.node(d).type === n.blockquote) return true;
  return false;
}

/** Heading of a level, or back to a paragraph when it is one already. */
export function toggleHeading(level: number): Command {
  return (state, dispatch) =>
    blockActive(state, n.heading, { level }) ? setBlockType(n.paragraph)(state, dispatch) : setBlockType(n.heading, { level })(state, dispatch);
}

/** Bulleted/numbered list: wraps, switches the kind of list, or lifts out of it. */
export function toggleList(type: NodeType): Command {
  return (state, dispatch) => {
    const around = listAround(state);
    if (!around) return wrapInList(type)(state, dispatch);
    if (around.node.type === type) return liftListItem(n.list_item)(state, dispatch);
    if (dispatch) {
      const pos = state.selection.$from.before(around.depth);
      dispatch(state.tr.setNodeMarkup(pos, type, type === n.ordered_list ? { order: 1, tight: around.node.attrs.tight } : { tight: around.node.attrs.tight }).scrollIntoView());
    }
    return true;
  };
}

export function toggleQuote(): Command {
  return (state, dispatch) => (inQuote(state) ? lift(state, dispatch) : wrapIn(n.blockquote)(state, dispatch));
}

/** The link at the cursor (its whole extent), or the first link in the selection. */
export function linkRange(state: EditorState): { from: number; to: number; href: string } | null {
  const { $from, from, to, empty } = state.selection;
  if (!empty) {
    let found: { from: number; to: number; href: string } | null = null;
    state.doc.nodesBetween(from, to, (nd, pos) => {
      if (found) return false;
      const lk = m.link.isInSet(nd.marks);
      if (lk) found = { from: Math.max(pos, from), to: Math.min(pos + nd.nodeSize, to), href: String(lk.attrs.href) };
      return true;
    });
    return found;
  }
  const kids: { node: PMNode; from: number; to: number }[] = [];
  let p = $from.start();
  $from.parent.forEach((c) => {
    kids.push({ node: c, from: p, to: p + c.nodeSize });
    p += c.nodeSize;
  });
  const linked = (k: { node: PMNode }) => !!m.link.isInSet(k.node.marks);
  let i = kids.findIndex((k) => k.from < from && from < k.to && linked(k));
  if (i < 0) i = kids.findIndex((k) => (k.to === from || k.from === from) && linked(k));
  if (i < 0) return null;
  const mark = m.link.isInSet(kids[i].node.marks)!;
  let a = i;
  let b = i;
  while (a > 0 && mark.isInSet(kids[a - 1].node.marks)) a--;
  while (b < kids.length - 1 && mark.isInSet(kids[b + 1].node.marks)) b++;
  return { from: kids[a].from, to: kids[b].to, href: String(mark.attrs.href) };
}

/** Sets (or, with an empty href, removes) the link on the selection; inserts `text` linked when nothing is selected. */
export function setLink(href: string, text?: string): Command {
  return (state, dispatch) => {
    const range = linkRange(state);
    const { from, to, empty } = state.selection;
    const tr = state.tr;
    if (!href) {
      if (!range) return false;
      if (dispatch) dispatch(tr.removeMark(range.from, range.to, m.link).scrollIntoView());
      return true;
    }
    const mark = m.link.create({ href });
    if (empty && !range) {
      const t = (text ?? '').trim() || href;
      tr.insert(from, schema.text(t, [...(state.storedMarks ?? state.selection.$from.marks()).filter((x) => x.type !== m.link), mark]));
      tr.setSelection(TextSelection.create(tr.doc, from + t.length));
    } else {
      const a = empty && range ? range.from : from;
      const b = empty && range ? range.to : to;
      tr.removeMark(a, b, m.link).addMark(a, b, mark);
    }
    if (dispatch) dispatch(tr.scrollIntoView());
    return true;
  };
}

export function insertImage(src: string, alt: string): Command {
  return (state, dispatch) => {
    if (dispatch) dispatch(state.tr.replaceSelectionWith(n.image.create({ src, alt })).scrollIntoView());
    return true;
  };
}

const hardBreak: Command = chainCommands(exitCode, (state, dispatch) => {
  // A heading is one line.
  if (state.selection.$from.parent.type === n.heading) return false;
  if (dispatch) dispatch(state.tr.replaceSelectionWith(n.hard_break.create()).scrollIntoView());
  return true;
});

/** Keyboard shortcuts (as in Google Docs and most editors). `onLink` opens the link dialog. */
export function shortcuts(onLink: () => void): Plugin[] {
  const keys: Record<string, Command> = {
    'Mod-z': undo,
    'Shift-Mod-z': redo,
    'Mod-y': redo,
    'Mod-b': toggleMark(m.strong),
    'Mod-i': toggleMark(m.em),
    'Mod-k': () => {
      onLink();
      return true;
    },
    'Mod-Alt-0': setBlockType(n.paragraph),
    'Mod-Alt-1': toggleHeading(1),
    'Mod-Alt-2': toggleHeading(2),
    'Mod-Alt-3': toggleHeading(3),
    'Mod-Alt-4': toggleHeading(4),
    'Mod-Shift-7': toggleList(n.ordered_list),
    'Mod-Shift-8': toggleList(n.bullet_list),
    'Mod-Shift-9': toggleQuote(),
    'Shift-Enter': hardBreak,
    'Mod-Enter': hardBreak,
    Enter: splitListItem(n.list_item),
    'Mod-[': liftListItem(n.list_item),
    'Mod-]': sinkListItem(n.list_item),
    // Tab indents only inside a list; elsewhere it moves focus on, as it should.
    Tab: sinkListItem(n.list_item),
    'Shift-Tab': liftListItem(n.list_item),
  };
  return [
    inputRules({
      rules: [
        wrappingInputRule(/^\s*>\s$/, n.blockquote),
        wrappingInputRule(/^(\d+)\.\s$/, n.ordered_list, (match) => ({ order: +match[1] }), (match, node) => node.childCount + node.attrs.order === +match[1]),
        wrappingInputRule(/^\s*([-+*])\s$/, n.bullet_list),
        textblockTypeInputRule(/^(#{1,6})\s$/, n.heading, (match) => ({ level: match[1].length })),
        new InputRule(/^(?:---|___|\*\*\*)$/, (state, _match, start) => {
          const $s = state.doc.resolve(start);
          if ($s.parent.type !== n.paragraph || $s.depth !== 1) return null;
          return state.tr.replaceRangeWith($s.before(), $s.after(), n.horizontal_rule.create()).insert($s.before() + 1, n.paragraph.create());
        }),
      ],
    }),
    keymap(keys),
    keymap(baseKeymap),
    history(),
  ];
}
