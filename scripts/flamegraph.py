#!/usr/bin/env python3
"""Draws a flame graph (SVG) from folded stacks (`root;child;...;leaf count` per line), such
as scripts/perf_breakdown.py writes with --folded.

Usage: scripts/flamegraph.py STACKS.folded > graph.svg

Each frame is a box as wide as its share of the samples, its callers below it; hovering a
box shows its name, samples and share. Only the Python standard library.
"""
import sys
from html import escape

WIDTH, ROW, FONT = 1600, 16, 11
MIN_WIDTH = 0.5  # narrower boxes are left out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = {"name": "all", "count": 0, "children": {}}
    for line in open(sys.argv[1], errors="replace"):
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        node = root
        node["count"] += n
        for frame in stack.split(";"):
            node = node["children"].setdefault(frame, {"name": frame, "count": 0, "children": {}})
            node["count"] += n
    total = max(root["count"], 1)
    boxes = []

    def place(node, x, depth):
        width = node["count"] / total * WIDTH
        if width < MIN_WIDTH:
            return 0
        boxes.append((x, depth, width, node))
        child_x = x
        for child in sorted(node["children"].values(), key=lambda c: -c["count"]):
            child_x += place(child, child_x, depth + 1) or child["count"] / total * WIDTH
        return width

    place(root, 0, 0)
    depth = max(d for _, d, _, _ in boxes) + 1
    height = depth * ROW + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="monospace" font-size="{FONT}">',
           f'<text x="4" y="14">{escape(sys.argv[1])}: {total} samples</text>']
    for x, d, w, node in boxes:
        y = height - (d + 1) * ROW
        hue = 10 + (hash(node["name"]) % 50)
        label = node["name"]
        share = 100 * node["count"] / total
        out.append(f'<g><title>{escape(label)} ({node["count"]} samples, {share:.1f}%)</title>'
                   f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{ROW - 1}" fill="hsl({hue},80%,60%)"/>')
        chars = int(w / (FONT * 0.6))
        if chars >= 3:
            text = label if len(label) <= chars else label[:chars - 2] + ".."
            out.append(f'<text x="{x + 2:.1f}" y="{y + ROW - 4}">{escape(text)}</text>')
        out.append('</g>')
    out.append('</svg>')
    print("\n".join(out))


if __name__ == "__main__":
    main()
