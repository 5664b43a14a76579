/* The page: a flame graph per pane (fg_make), tabs to switch them, one search box for all of
 * them ("/" focuses it, Escape clears it). window.arenaprof gives consoles the graphs. */
(function () {
	var panes = document.querySelectorAll("#flamegraphs .pane");
	var tabs = document.querySelectorAll("#flamegraphs .tab");
	var search = document.getElementById("fg-search");
	var graphs = {}, i;
	for (i = 0; i < panes.length; i++) {
		var name = panes[i].getAttribute("data-graph");
		graphs[name] = fg_make(document.getElementById("fg-" + name + "-svg"),
			"fg-" + name + "-");
	}
	function show(name) {
		for (var i = 0; i < panes.length; i++) {
			var on = panes[i].getAttribute("data-graph") === name;
			panes[i].className = on ? "pane" : "pane hidden";
		}
		for (i = 0; i < tabs.length; i++)
			tabs[i].className = tabs[i].getAttribute("data-graph") === name ?
				"tab active" : "tab";
	}
	function find(text) {
		var re = null;
		if (text !== "") {
			try {
				re = new RegExp(text);
			} catch (e) {
				search.className = "bad";
				return;
			}
		}
		search.className = "";
		for (var name in graphs)
			graphs[name].search(re);
	}
	for (i = 0; i < tabs.length; i++)
		tabs[i].addEventListener("click", function () {
			show(this.getAttribute("data-graph"));
		});
	if (search) {
		search.addEventListener("input", function () { find(search.value); });
		document.addEventListener("keydown", function (e) {
			if (e.key === "/" && document.activeElement !== search) {
				e.preventDefault();
				search.focus();
			} else if (e.key === "Escape") {
				search.value = "";
				find("");
			}
		});
	}
	window.arenaprof = { graphs: graphs, show: show, search: find };
})();
