/* "I am here": a visitor standing at a place whose point is an estimate sends their phone's GPS position once.
 * The server keeps it as evidence for the tourism office; three independent reports that agree let a
 * moderator move the point. Nothing is sent unless the position is good to 50 m. An ES module: it runs once
 * the page is parsed. */
const MAX_ACCURACY_M = 50;

function start() {
  var box = document.querySelector(".gt-here");
  if (!box || !navigator.geolocation || !window.fetch) return; /* stays hidden: nothing to offer */
  var button = box.querySelector(".gt-here__send"),
    status = box.querySelector(".gt-here__status");
  function say(text, done) {
    status.textContent = text;
    button.disabled = !!done;
  }
  box.hidden = false;
  button.addEventListener("click", function () {
    say(box.dataset.locating, true);
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var accuracy = position.coords.accuracy;
        if (accuracy > MAX_ACCURACY_M) {
          say(box.dataset.weak.replace("__M__", Math.round(accuracy)));
          return;
        }
        fetch(box.dataset.url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            lon: position.coords.longitude,
            lat: position.coords.latitude,
            accuracy_m: accuracy,
          }),
        })
          .then(function (response) {
            return response
              .json()
              .catch(function () {
                return {};
              })
              .then(function (body) {
                if (response.ok) say(box.dataset.thanks, true);
                else say((body.error && body.error.message) || box.dataset.failed);
              });
          })
          .catch(function () {
            say(box.dataset.offline);
          });
      },
      function (error) {
        say(error.code === 1 ? box.dataset.denied : box.dataset.failed);
      },
      { enableHighAccuracy: true, timeout: 30000, maximumAge: 0 },
    );
  });
}
start();
