/* culpa workbench: small enhancements over pages that work without script.
 *
 * - keeps the current hit in view (text and page image), n/p keys for hits;
 * - turns a selection in the page text into a character span of the stored
 *   text (code points, as Python counts them) for notes and citations;
 * - "Copy citation" asks the server for the same text `culpa cite` prints.
 * No inline script anywhere: the Content-Security-Policy forbids it.
 */
"use strict";

(function () {
  const $ = (sel) => document.querySelector(sel);

  function toast(message) {
    const el = document.createElement("div");
    el.className = "toast";
    el.setAttribute("role", "status");
    el.textContent = message;
    document.body.appendChild(el);
    setTimeout(() => el.remove(), 2600);
  }

  /* Code points from the start of `root` to (node, offset). */
  function offsetIn(root, node, offset) {
    const range = document.createRange();
    range.setStart(root, 0);
    range.setEnd(node, offset);
    return Array.from(range.toString()).length;
  }

  /* The selected span of the page text, or null. */
  function selectedSpan(root) {
    const sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    if (!root.contains(range.commonAncestorContainer)) return null;
    let start = offsetIn(root, range.startContainer, range.startOffset);
    let end = offsetIn(root, range.endContainer, range.endOffset);
    const text = range.toString();
    // Leave out whitespace at either edge of the selection.
    const lead = Array.from(text).length - Array.from(text.replace(/^\s+/u, "")).length;
    const trail = Array.from(text).length - Array.from(text.replace(/\s+$/u, "")).length;
    start += lead;
    end -= trail;
    if (end <= start) return null;
    return { start: start, end: end, text: text.trim() };
  }

  function setupViewer() {
    const textEl = $("#page-text");
    const current = document.querySelector("mark.hit.current");
    if (current) {
      current.scrollIntoView({ block: "center", inline: "nearest" });
      window.scrollTo(0, 0);
    }
    const img = $("#page-img");
    // Bring the current hit's box into view in the page image's own scroll area.
    const frame = document.querySelector(".page-image");
    function showCurrentBox() {
      const rect = document.querySelector("rect.hl.current");
      if (!frame || !rect) return;
      const box = rect.getBoundingClientRect();
      const area = frame.getBoundingClientRect();
      if (box.top < area.top + 24 || box.bottom > area.bottom - area.height / 4) {
        frame.scrollTop += box.top - area.top - area.height / 3;
      }
    }
    if (img) {
      if (img.complete) showCurrentBox();
      else img.addEventListener("load", showCurrentBox);
      img.addEventListener("error", () => {
        const note = $("#image-error");
        if (note) note.hidden = false;
        const overlay = $("#overlay");
        if (overlay) overlay.style.display = "none";
      });
    }
    const zoom = $("#zoom-button");
    const viewer = $("#viewer");
    if (zoom && viewer) {
      zoom.addEventListener("click", () => {
        const on = viewer.classList.toggle("zoomed");
        zoom.textContent = on ? "Smaller page" : "Larger page";
        showCurrentBox();
      });
    }

    // Hits: n / p keys (j / k too); ← → for pages.
    document.addEventListener("keydown", (event) => {
      const target = event.target;
      if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const go = (id) => {
        const link = document.getElementById(id);
        if (link && link.href) window.location.href = link.href;
      };
      if (event.key === "n" || event.key === "j") go("next-hit");
      else if (event.key === "p" || event.key === "k") go("prev-hit");
      else if (event.key === "ArrowRight") go("next-page");
      else if (event.key === "ArrowLeft") go("prev-page");
    });

    // Selection → note passage and citation span.
    const passage = $("#scope-passage");
    const passageLabel = $("#passage-label");
    const preview = $("#passage-preview");
    let lastSpan = null;
    function onSelection() {
      if (!textEl) return;
      const span = selectedSpan(textEl);
      if (!span) return;
      lastSpan = span;
      $("#note-start").value = String(span.start);
      $("#note-end").value = String(span.end);
      if (passage) {
        passage.disabled = false;
        passage.checked = true;
      }
      if (passageLabel) passageLabel.classList.remove("disabled");
      if (preview) {
        preview.textContent = span.text.length > 300 ? span.text.slice(0, 300) + "…" : span.text;
        preview.hidden = false;
      }
    }
    if (textEl) {
      textEl.addEventListener("mouseup", onSelection);
      textEl.addEventListener("keyup", onSelection);
    }

    const cite = $("#cite-button");
    if (cite) {
      cite.addEventListener("click", async () => {
        const fresh = textEl ? selectedSpan(textEl) : null;
        const span = fresh || lastSpan ||
          (cite.dataset.start ? { start: Number(cite.dataset.start), end: Number(cite.dataset.end) } : null);
        if (!span) {
          toast("Select a passage of the page text first.");
          return;
        }
        const params = new URLSearchParams({
          page: cite.dataset.page, start: String(span.start), end: String(span.end),
        });
        const response = await fetch(`/doc/${cite.dataset.doc}/cite?${params}`, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        const data = await response.json();
        const out = $("#citation-out");
        if (!response.ok) {
          toast(data.error || "No citation for this passage.");
          return;
        }
        out.textContent = data.text;
        out.hidden = false;
        try {
          await navigator.clipboard.writeText(data.text);
          toast("Citation copied.");
        } catch (err) {
          // No clipboard permission: the citation is shown, selected, for Ctrl+C.
          const range = document.createRange();
          range.selectNodeContents(out);
          const sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(range);
          toast("Citation shown above: press Ctrl+C to copy it.");
        }
      });
    }
  }

  function setupConfirmations() {
    document.querySelectorAll("form.confirm").forEach((form) => {
      form.addEventListener("submit", (event) => {
        if (!window.confirm(form.dataset.confirm || "Are you sure?")) event.preventDefault();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (document.body.classList.contains("page-doc")) setupViewer();
    setupConfirmations();
  });
})();
