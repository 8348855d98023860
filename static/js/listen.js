/* "Listen": the phone's own voice reads a place's story aloud (speechSynthesis), so it works offline with no
 * audio files. The button shows only when the phone has a voice for the story's language; it pauses and
 * resumes; it reads the story's text block by block, never the page around it. */

const synth = window.speechSynthesis;
const button = document.querySelector(".gt-listen");
const story = document.querySelector(".gt-story__text");

/** Return the phone's voice for a BCP 47 language ("id-ID"): the exact one, else any of the language. */
function voiceFor(voices, lang) {
  const norm = (tag) =>
    String(tag || "")
      .replace("_", "-")
      .toLowerCase();
  const wanted = norm(lang);
  const base = wanted.split("-")[0];
  return (
    voices.find((v) => norm(v.lang) === wanted) ||
    voices.find((v) => norm(v.lang).split("-")[0] === base) ||
    null
  );
}

/** Return what is read: the text of each heading, paragraph and list item of the story, in order. */
function blocks(root) {
  return Array.from(root.querySelectorAll("h3, h4, p, li"))
    .filter((el) => !el.querySelector("p"))
    .map((el) => el.textContent.replace(/\s+/g, " ").trim())
    .filter(Boolean);
}

function start() {
  if (!synth || !button || !story || typeof window.SpeechSynthesisUtterance !== "function") return;
  const lang = button.dataset.speech;
  let voice = null;
  let state = "idle"; // idle | speaking | paused

  const label = () => {
    button.textContent =
      state === "speaking"
        ? button.dataset.pause
        : state === "paused"
          ? button.dataset.resume
          : button.dataset.listen;
    button.setAttribute("aria-pressed", String(state === "speaking"));
  };
  const offer = () => {
    voice = voiceFor(synth.getVoices() || [], lang);
    button.hidden = !voice;
  };
  const speak = () => {
    synth.cancel();
    const parts = blocks(story);
    parts.forEach((text, index) => {
      // One utterance per block: long ones are cut off by some phones' engines.
      const utterance = new window.SpeechSynthesisUtterance(text);
      utterance.lang = lang;
      utterance.voice = voice;
      if (index === parts.length - 1) {
        utterance.onend = () => {
          state = "idle";
          label();
        };
      }
      synth.speak(utterance);
    });
    state = parts.length ? "speaking" : "idle";
  };

  button.addEventListener("click", () => {
    if (state === "speaking") {
      synth.pause();
      state = "paused";
    } else if (state === "paused") {
      synth.resume();
      state = "speaking";
    } else {
      speak();
    }
    label();
  });
  // Leaving the page stops the voice: it must not read on over the next page.
  window.addEventListener("pagehide", () => synth.cancel());
  offer();
  // Voices load after the page in Chrome: offer the button when they arrive.
  if (typeof synth.addEventListener === "function") synth.addEventListener("voiceschanged", offer);
  else synth.onvoiceschanged = offer;
}

start();
