/* Inside another website's page (/embed and /embed/places/<id>).

   WordPress puts an oEmbed iframe in sandbox="allow-scripts": no new tab, no tel:, no navigating the top
   window. Its embed protocol is the way out: WordPress appends #?secret=… to our address, shows the frame
   once we post a message with that secret, and opens a link of ours in the top window when we post
   {message: "link", value: url, secret}. Without a secret (an iframe pasted by hand, not sandboxed), links
   open a new tab as written. A place's details open inside the frame (/embed/places/<id>), carrying the
   secret along.

   It imports nothing before it runs: until it has run, WordPress keeps the frame hidden and a tap on a link
   that must leave the frame is blocked by the sandbox. "Copy the number" asks for its module when tapped. */

(function () {
  var found = /[#&?]secret=([A-Za-z0-9]{1,64})/.exec(window.location.hash);
  var secret = found ? found[1] : null;
  var framed = window.parent !== window;
  // A frame sandboxed without allow-same-origin has the opaque origin "null": there a tel: link is blocked.
  var sandboxed = window.origin === "null";

  function post(message, value) {
    window.parent.postMessage({ message: message, value: value, secret: secret }, "*");
  }

  function withSecret(href) {
    return secret ? href.split("#")[0] + "#?secret=" + secret : href;
  }

  window.GeotourEmbed = { withSecret: withSecret, sandboxed: sandboxed, viaHost: Boolean(framed && secret) };

  function sendHeight() {
    post("height", Math.max(200, document.documentElement.clientHeight || window.innerHeight));
  }

  if (framed && secret) {
    sendHeight(); // WordPress keeps the frame hidden behind its quote until we speak
    window.addEventListener("message", function (event) {
      var data = event.data;
      if (event.source === window.parent && data && data.message === "ready" && data.secret === secret)
        sendHeight();
    });
  }

  function say(button, text) {
    var status =
      button.closest(".gt-embed-contact") &&
      button.closest(".gt-embed-contact").querySelector(".gt-embed-contact__status");
    if (status) status.textContent = text;
  }

  function copyNumber(button) {
    import("geotour/copy")
      .then(function (module) {
        return module.copyText(button.getAttribute("data-copy"));
      })
      .catch(function () {
        return false;
      })
      .then(function (copied) {
        say(button, button.getAttribute(copied ? "data-copied" : "data-copy-failed"));
      });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : event.target.parentElement;
    var top = target.closest("a[data-top]");
    if (top && framed && secret) {
      // through the host page, which opens it in the top window
      event.preventDefault();
      post("link", top.href);
      return;
    }
    var copy = target.closest("button[data-copy]");
    if (copy) {
      copyNumber(copy);
      return;
    }
    var popup = target.closest("a[data-popup]");
    if (popup && framed && secret && popup.pathname.indexOf("/go/") === 0) {
      // WordPress opens a link of our host in the top window; /go/ counts the tap and sends it on to WhatsApp
      event.preventDefault();
      post("link", popup.href);
      return;
    }
    if (popup) {
      // Whether this frame may open WhatsApp is known only by trying: the host page's sandbox decides.
      event.preventDefault();
      var opened = window.open(popup.href, "_blank");
      if (opened) {
        opened.opener = null;
      } else {
        popup.closest("li").hidden = true;
        say(popup, popup.getAttribute("data-blocked"));
      }
    }
  });

  // A module runs once the page is parsed: its links are there now, no need to wait for DOMContentLoaded.
  (function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-outside-sandbox]"), function (item) {
      item.hidden = sandboxed && !(framed && secret); // in WordPress the host page opens it
    });
    Array.prototype.forEach.call(document.querySelectorAll("a[data-in-frame]"), function (link) {
      link.href = withSecret(link.href);
    });
  })();
})();
