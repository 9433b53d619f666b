// Skill autocomplete for the profile editor (progressive enhancement: the
// field is a plain text input without JavaScript, resolved on the server).
// Each input[data-autocomplete="skills"] becomes an ARIA 1.2 combobox with a
// listbox of suggestions from GET /api/v1/taxonomy/skills?q=…&lang=…, which
// matches labels and synonyms in Arabic, French and English and answers in
// the page's language. Keys: Down/Up move, Enter picks, Escape closes.
(function () {
	'use strict';
	var lang = document.documentElement.lang || 'fr';
	var count = 0;

	function setup(input) {
		var id = 'ac-' + (++count);
		var list = document.createElement('ul');
		var items = [];
		var active = -1;
		var seq = 0;
		var timer = null;

		list.id = id;
		list.setAttribute('role', 'listbox');
		list.className = 'list-group position-absolute w-100 z-3 shadow-sm mt-1';
		list.hidden = true;
		input.parentNode.classList.add('position-relative');
		input.parentNode.appendChild(list);
		input.setAttribute('role', 'combobox');
		input.setAttribute('aria-autocomplete', 'list');
		input.setAttribute('aria-expanded', 'false');
		input.setAttribute('aria-controls', id);

		function close() {
			list.hidden = true;
			active = -1;
			input.setAttribute('aria-expanded', 'false');
			input.removeAttribute('aria-activedescendant');
		}

		function highlight(i) {
			items.forEach(function (li, j) {
				li.classList.toggle('active', j === i);
				li.setAttribute('aria-selected', j === i ? 'true' : 'false');
			});
			active = i;
			if (i >= 0) input.setAttribute('aria-activedescendant', items[i].id);
			else input.removeAttribute('aria-activedescendant');
		}

		function pick(i) {
			input.value = items[i].textContent;
			close();
		}

		function show(skills) {
			list.textContent = '';
			items = skills.map(function (s, i) {
				var li = document.createElement('li');
				li.id = id + '-' + i;
				li.setAttribute('role', 'option');
				li.setAttribute('aria-selected', 'false');
				li.className = 'list-group-item list-group-item-action';
				li.textContent = s.label;
				li.addEventListener('mousedown', function (e) {
					e.preventDefault(); // keep the focus in the field
					pick(i);
				});
				list.appendChild(li);
				return li;
			});
			if (!items.length) return close();
			list.hidden = false;
			input.setAttribute('aria-expanded', 'true');
			highlight(-1);
		}

		function query() {
			var q = input.value.trim();
			var mine = ++seq;
			if (q.length < 2) return close();
			fetch('/api/v1/taxonomy/skills?q=' + encodeURIComponent(q) + '&lang=' + lang, {
				headers: { Accept: 'application/json' }, credentials: 'same-origin',
			}).then(function (r) {
				return r.ok ? r.json() : { skills: [] };
			}).then(function (body) {
				if (mine === seq) show(body.skills || []);
			}).catch(close);
		}

		input.addEventListener('input', function () {
			clearTimeout(timer);
			timer = setTimeout(query, 150);
		});
		input.addEventListener('keydown', function (e) {
			if (list.hidden) return;
			if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
				e.preventDefault();
				var n = items.length;
				highlight(e.key === 'ArrowDown' ? (active + 1) % n : (active - 1 + n) % n);
			} else if (e.key === 'Enter' && active >= 0) {
				e.preventDefault();
				pick(active);
			} else if (e.key === 'Escape') {
				close();
			}
		});
		input.addEventListener('blur', close);
	}

	document.querySelectorAll('input[data-autocomplete="skills"]').forEach(setup);
}());
