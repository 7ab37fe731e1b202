// The redaction review page: selecting words in the record's text fills in "Add a redaction".
//
// Progressive enhancement: without this script the officer types or pastes the words, and every place
// they occur is redacted. With it, a selection (mouse, or keyboard in caret browsing) copies the words
// exactly as the record holds them, with their offset, so the server can redact only that place
// ("Only the place I selected"). Offsets count the record's own characters: the redaction numbers and
// the screen-reader notes inside the highlights are marked data-not-text and skipped.

const text = document.getElementById("record-text");
const form = document.getElementById("add-redaction-form");
const MAX_WORDS = 500; // rights.redaction.decisions.MAX_WORDS, also enforced by the form

if (text && form) {
  const words = form.querySelector("#add-words");
  const at = form.querySelector("#add-at");
  const onlyBox = form.querySelector("#add-only_selected");
  const onlyWrap = document.getElementById("add-selected-only");
  const status = document.getElementById("selection-status");
  const hint = document.getElementById("selection-hint");
  if (hint) hint.hidden = false;

  // The record's own text nodes, in order, with the offset each starts at.
  const counted = () => {
    const nodes = [];
    const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT, {
      acceptNode: (node) => (node.parentElement.closest("[data-not-text]") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
    });
    let offset = 0;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      nodes.push({ node, offset });
      offset += node.data.length;
    }
    return nodes;
  };

  // [start, end) of the selection in the record's text, or null when it is not in the text.
  const selected = (range) => {
    let start = null;
    let end = null;
    for (const { node, offset } of counted()) {
      if (!range.intersectsNode(node)) continue;
      if (start === null) start = offset + (node === range.startContainer ? range.startOffset : 0);
      end = offset + (node === range.endContainer ? range.endOffset : node.data.length);
    }
    return start === null || end <= start ? null : [start, end];
  };

  const say = (message, withLink) => {
    status.textContent = message;
    if (withLink) {
      const link = document.createElement("a");
      link.className = "govuk-link";
      link.href = "#add-redaction";
      link.textContent = "Go to Add a redaction";
      status.append(" ", link);
    }
  };

  const forgetPlace = () => {
    at.value = "";
    onlyBox.checked = false;
    onlyWrap.hidden = true;
  };

  let pending = null;
  document.addEventListener("selectionchange", () => {
    clearTimeout(pending);
    pending = setTimeout(() => {
      const selection = document.getSelection();
      if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return; // a click elsewhere keeps the last
      const range = selection.getRangeAt(0);
      if (!text.contains(range.commonAncestorContainer) && range.commonAncestorContainer !== text) return;
      const span = selected(range);
      if (!span) return;
      const raw = counted().map(({ node }) => node.data).join("");
      let [start, end] = span;
      while (start < end && /\s/.test(raw[start])) start += 1;
      while (end > start && /\s/.test(raw[end - 1])) end -= 1;
      if (end <= start) return;
      if (end - start > MAX_WORDS) {
        say(`The selection is ${end - start} characters long: select at most ${MAX_WORDS}.`, false);
        return;
      }
      const chosen = raw.slice(start, end);
      words.value = chosen;
      at.value = String(start);
      onlyWrap.hidden = false;
      onlyBox.checked = true;
      say(`Selected “${chosen}”. Choose an exemption code and add the redaction.`, true);
    }, 150);
  });

  // Words typed over the selection no longer name that place.
  words.addEventListener("input", forgetPlace);
}
