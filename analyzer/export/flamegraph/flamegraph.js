"use strict";
/* One flame graph: svg is its <svg> element, prefix the prefix of its parts' ids. Returns the
 * graph: frames, zoom(frame), unzoom(), search(re) and prompt(). */
function fg_make(svg, prefix) {
	var g = { frames: [], re: null, total: +svg.getAttribute("fg:total"),
		width: +svg.getAttribute("fg:width"), xpad: +svg.getAttribute("fg:xpad") };
	var details = document.getElementById(prefix + "details");
	var matched = document.getElementById(prefix + "matched");
	var reset = document.getElementById(prefix + "reset");
	var search = document.getElementById(prefix + "search");
	var gs = document.getElementById(prefix + "frames").getElementsByTagName("g");
	function label(f, w) {
		var chars = Math.floor((w - 6) / 7);
		if (chars < 3)
			return "";
		return f.name.length <= chars ? f.name : f.name.substring(0, chars - 2) + "..";
	}
	function place(f, x, w, shown, faded) {
		f.rect.setAttribute("x", x.toFixed(2));
		f.rect.setAttribute("width", w.toFixed(2));
		f.text.setAttribute("x", (x + 3).toFixed(2));
		f.text.textContent = label(f, w);
		f.g.style.display = shown ? "" : "none";
		f.g.style.opacity = faded ? "0.5" : "";
	}
	/* The frame z and its subtree fill the width; its ancestors span it, faded. */
	g.zoom = function (z) {
		if (z.w <= 0)
			return;
		for (var i = 0; i < g.frames.length; i++) {
			var f = g.frames[i];
			if (f.y > z.y && f.x <= z.x && f.x + f.w >= z.x + z.w)
				place(f, g.xpad, g.width, true, true);
			else if (f.y <= z.y && f.x >= z.x && f.x + f.w <= z.x + z.w)
				place(f, g.xpad + (f.x - z.x) / z.w * g.width, f.w / z.w * g.width,
					true, false);
			else
				place(f, f.x0, f.w0, false, false);
		}
		reset.setAttribute("class", "ui");
	};
	g.unzoom = function () {
		for (var i = 0; i < g.frames.length; i++)
			place(g.frames[i], g.frames[i].x0, g.frames[i].w0, true, false);
		reset.setAttribute("class", "ui hidden");
	};
	/* Highlights the frames whose name matches re (a RegExp or a string) and shows the share
	 * of the total they cover (nested matches counted once); null or "" clears. Returns the
	 * share. */
	g.search = function (re) {
		var hits = [], sum = 0, end = -1, i;
		if (re === "" || re === null || re === undefined)
			g.re = null;
		else
			g.re = typeof re === "string" ? new RegExp(re) : re;
		for (i = 0; i < g.frames.length; i++) {
			var f = g.frames[i];
			var hit = g.re !== null && f.y < g.frames[0].y && g.re.test(f.name);
			f.rect.setAttribute("fill", hit ? "rgb(230,0,230)" : f.fill);
			if (hit)
				hits.push(f);
		}
		hits.sort(function (a, b) { return a.x - b.x || b.w - a.w; });
		for (i = 0; i < hits.length; i++)
			if (hits[i].x >= end) {
				sum += hits[i].w;
				end = hits[i].x + hits[i].w;
			}
		var share = g.total > 0 ? sum / g.total : 0;
		matched.textContent = g.re === null ? " " :
			"Matched: " + (100 * share).toFixed(1) + "%";
		return share;
	};
	g.prompt = function () {
		var s = window.prompt("Search frames (regular expression; empty to clear)",
			g.re ? g.re.source : "");
		if (s !== null)
			g.search(s);
	};
	function add(el) {
		var r = el.getElementsByTagName("rect")[0];
		var t = el.getElementsByTagName("title")[0].textContent;
		var f = { g: el, rect: r, text: el.getElementsByTagName("text")[0], title: t,
			name: t.substring(0, t.lastIndexOf(" (")), x: +el.getAttribute("fg:x"),
			w: +el.getAttribute("fg:w"), y: +r.getAttribute("y"),
			fill: r.getAttribute("fill"), x0: +r.getAttribute("x"),
			w0: +r.getAttribute("width") };
		g.frames.push(f);
		el.addEventListener("click", function () { g.zoom(f); });
		el.addEventListener("mouseover", function () { details.textContent = f.title; });
		el.addEventListener("mouseout", function () { details.textContent = " "; });
	}
	for (var i = 0; i < gs.length; i++)
		add(gs[i]);
	reset.addEventListener("click", g.unzoom);
	if (search)
		search.addEventListener("click", g.prompt);
	return g;
}
