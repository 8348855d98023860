/* Copy a text to the phone's clipboard: the Clipboard API where the page may use it, else (older browsers,
 * pages not on https, a sandboxed frame) a hidden text area and the copy command. */

/** Copy `text`; resolve true when it was copied. */
export function copyText(text) {
  const byHand = () => {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch {
      copied = false;
    }
    area.remove();
    return copied;
  };
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text).then(
      () => true,
      () => byHand(),
    );
  }
  return Promise.resolve(byHand());
}
