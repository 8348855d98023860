/* The safety card's "Where am I?": the phone's own position (no signal needed), as decimal degrees and as
 * degrees, minutes and seconds to read out, with how sure it is; copied, or sent by SMS or WhatsApp. */

import { copyText } from "geotour/copy";

const button = document.querySelector(".gt-safety__locate");
const box = document.querySelector(".gt-safety__position");
const said = document.querySelector(".gt-safety__status");

function dms(value, positive, negative) {
  const hemisphere = value < 0 ? negative : positive;
  let rest = Math.abs(value);
  const degrees = Math.floor(rest);
  rest = (rest - degrees) * 60;
  const minutes = Math.floor(rest);
  const seconds = ((rest - minutes) * 60).toFixed(1);
  return `${degrees}°${String(minutes).padStart(2, "0")}'${seconds.padStart(4, "0")}" ${hemisphere}`;
}

function show(position) {
  const { latitude, longitude, accuracy } = position.coords;
  const decimal = `${latitude.toFixed(5)}, ${longitude.toFixed(5)}`;
  const around = box.querySelector(".gt-safety__accuracy");
  const within = around.dataset.template.replace("__M__", String(Math.round(accuracy)));
  const map = `https://www.google.com/maps?q=${latitude.toFixed(5)},${longitude.toFixed(5)}`;
  const message = button.dataset.message.replace("__WHERE__", `${decimal} (${within}) ${map}`);
  box.querySelector(".gt-safety__decimal").textContent = decimal;
  box.querySelector(".gt-safety__dms").textContent =
    `${dms(latitude, "N", "S")}, ${dms(longitude, "E", "W")}`;
  around.textContent = `(${within})`;
  box.querySelector(".gt-safety__sms").href = `sms:?&body=${encodeURIComponent(message)}`;
  box.querySelector(".gt-safety__wa").href = `https://wa.me/?text=${encodeURIComponent(message)}`;
  box.querySelector(".gt-safety__copy").onclick = () => copy(message);
  box.hidden = false;
  said.textContent = "";
}

function copy(text) {
  copyText(text).then((copied) => {
    said.textContent = copied ? button.dataset.copied : "";
  });
}

if (button && box && said) {
  button.addEventListener("click", () => {
    if (!navigator.geolocation) {
      said.textContent = button.dataset.failed;
      return;
    }
    said.textContent = button.dataset.locating;
    navigator.geolocation.getCurrentPosition(
      show,
      (error) => {
        said.textContent = error.code === 1 ? button.dataset.denied : button.dataset.failed;
      },
      { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 },
    );
  });
}
