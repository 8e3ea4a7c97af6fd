/* Small page behaviour, no framework: ask before a step that cannot be undone. */
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-confirm]");
  if (button && !window.confirm(button.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

/* A case is printed for the paper file. */
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

/* A batch is filed a slice at a time, two slices in flight (the server hands each call rows of
   its own), the bar showing how far it has got; without scripts the form files every row in
   one request. */
document.addEventListener("submit", function (event) {
  var form = event.target.closest("form[data-batch-progress]");
  if (!form) {
    return;
  }
  event.preventDefault();
  var button = form.querySelector("button");
  var bar = form.querySelector("progress");
  var text = form.querySelector("[role=status]");
  var token = form.querySelector("input[name=csrf_token]").value;
  var running = 2;
  var failed = false;
  button.disabled = true;
  bar.hidden = false;
  function finished() {
    running -= 1;
    if (running > 0) {
      return;
    }
    if (failed) {
      button.disabled = false;
      text.textContent = form.getAttribute("data-failed") || "";
    } else {
      window.location.reload();
    }
  }
  function next() {
    fetch(form.action, {
      method: "POST",
      headers: { "Accept": "application/json", "X-CSRFToken": token },
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(response.status);
      }
      return response.json();
    }).then(function (state) {
      if (state.filed >= bar.value) {
        bar.max = state.filed + state.pending;
        bar.value = state.filed;
        text.textContent = state.filed + " / " + (state.filed + state.pending);
      }
      if (state.pending > 0 && state.handled > 0) {
        next();
      } else {
        finished();
      }
    }).catch(function () {
      failed = true;
      finished();
    });
  }
  next();
  next();
});
