// Upload forms of documents: the file goes up with a progress bar (XMLHttpRequest reports
// upload progress, fetch does not). The server answers {redirect} or {errors}; without this
// script the form posts as usual.
const form = document.querySelector("form.upload-form");
const box = form?.querySelector(".upload-progress");
const bar = box?.querySelector("progress");
const text = box?.querySelector(".upload-progress-text");
const errors = form?.querySelector(".form-errors");

function showErrors(messages) {
  const list = document.createElement("ul");
  list.className = "errorlist";
  for (const message of messages) {
    const item = document.createElement("li");
    item.textContent = message;
    list.append(item);
  }
  errors.replaceChildren(list);
  errors.focus?.();
}

function percent(loaded, total) {
  return total ? Math.floor((loaded / total) * 100) : 0;
}

if (form && box && bar && text && errors && "FormData" in window) {
  form.addEventListener("submit", (submitted) => {
    submitted.preventDefault();
    const button = form.querySelector("button[type=submit]");
    const request = new XMLHttpRequest();
    request.open("POST", form.action || location.href);
    request.setRequestHeader("X-Requested-With", "fetch");
    request.responseType = "json";
    box.hidden = false;
    bar.value = 0;
    text.textContent = box.dataset.sending;
    errors.replaceChildren();
    button.disabled = true;
    request.upload.addEventListener("progress", (progress) => {
      if (!progress.lengthComputable) return;
      bar.value = percent(progress.loaded, progress.total);
      text.textContent = `${box.dataset.sending} ${bar.value} %`;
    });
    request.upload.addEventListener("load", () => {
      bar.value = 100;
      text.textContent = box.dataset.checking;
    });
    request.addEventListener("load", () => {
      const answer = request.response || {};
      if (request.status >= 200 && request.status < 300 && answer.redirect) {
        location.assign(answer.redirect);
        return;
      }
      button.disabled = false;
      box.hidden = true;
      if (request.status === 413) showErrors([box.dataset.tooLarge || box.dataset.failed]);
      else showErrors(answer.errors?.length ? answer.errors : [box.dataset.failed]);
    });
    request.addEventListener("error", () => {
      button.disabled = false;
      box.hidden = true;
      showErrors([box.dataset.failed]);
    });
    request.send(new FormData(form));
  });
}
