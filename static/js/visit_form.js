/* The visit form: add participants by name, and add problem forms. */
(function () {
  "use strict";
  const search = document.getElementById("participant-search");
  const results = document.getElementById("participant-results");
  const list = document.getElementById("participants");
  let timer = null;

  function addParticipant(person) {
    if (document.getElementById("participant-" + person.id)) {
      document.getElementById("participant-" + person.id).checked = true;
      return;
    }
    const wrapper = document.createElement("div");
    wrapper.className = "form-check form-check-tap";
    const input = document.createElement("input");
    input.className = "form-check-input";
    input.type = "checkbox";
    input.name = "participants";
    input.value = person.id;
    input.id = "participant-" + person.id;
    input.checked = true;
    const label = document.createElement("label");
    label.className = "form-check-label";
    label.htmlFor = input.id;
    label.textContent = person.name + " ";
    const small = document.createElement("span");
    small.className = "text-body-secondary small";
    small.textContent = person.department;
    label.appendChild(small);
    wrapper.append(input, label);
    list.appendChild(wrapper);
  }

  if (search) {
    search.addEventListener("input", () => {
      clearTimeout(timer);
      const term = search.value.trim();
      if (!term) { results.replaceChildren(); return; }
      timer = setTimeout(async () => {
        const response = await fetch(search.dataset.url + "?q=" + encodeURIComponent(term), { credentials: "same-origin" });
        if (!response.ok) { return; }
        const data = await response.json();
        results.replaceChildren(...data.results.map((person) => {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "list-group-item list-group-item-action";
          button.setAttribute("role", "option");
          button.textContent = person.name + " · " + person.department;
          button.addEventListener("click", () => {
            addParticipant(person);
            results.replaceChildren();
            search.value = "";
          });
          return button;
        }));
      }, 200);
    });
  }

  const addButton = document.getElementById("add-problem");
  const template = document.getElementById("problem-template");
  const forms = document.getElementById("problem-forms");
  const total = document.getElementById("id_problems-TOTAL_FORMS");
  if (addButton && template && forms && total) {
    addButton.addEventListener("click", () => {
      const index = parseInt(total.value, 10);
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      forms.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
      const first = forms.lastElementChild.querySelector("textarea");
      if (first) { first.focus(); }
    });
  }
})();
