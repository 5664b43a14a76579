/* The standalone SVG: its one graph, Ctrl-F or "/" to search, Escape to clear. */
var fg_graph = null;
function fg_init(evt) {
	fg_graph = fg_make(document.documentElement, "");
	window.addEventListener("keydown", function (e) {
		if ((e.ctrlKey && e.keyCode === 70) || e.key === "/") {
			e.preventDefault();
			fg_graph.prompt();
		} else if (e.key === "Escape") {
			fg_graph.search(null);
		}
	});
}
function fg_search(re) { return fg_graph.search(re); }
