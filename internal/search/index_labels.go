package search

import (
	"maps"
	"slices"
	"strings"
)

// labels are the categories or the brands, numbered in the order first met.
type labels struct {
	index map[string]int32
	ids   []string
	names []string  // "" for a missing record
	text  []string  // searchable text: the name, or a category's path names
	up    []int32   // parent category, -1 for none
	down  [][]int32 // child categories

	// hidden marks an inactive brand, or a category that is inactive or
	// under an inactive one: its products are neither found nor counted. A
	// missing record hides nothing.
	hidden []bool
}

// changedText returns which of the old labels have another text in the new ones.
func changedText(old, new *labels) []bool {
	changed := make([]bool, len(old.ids))
	for i := range old.ids {
		changed[i] = old.text[i] != new.text[i]
	}
	return changed
}

// lookup returns the index of id, adding it unnamed if unknown
// (-1 for no id).
func (l *labels) lookup(id string) int32 {
	if id == "" {
		return -1
	}
	if i, ok := l.index[id]; ok {
		return i
	}
	i := int32(len(l.ids))
	l.index[id] = i
	l.ids = append(l.ids, id)
	l.names = append(l.names, "")
	l.text = append(l.text, "")
	l.up = append(l.up, -1)
	l.down = append(l.down, nil)
	l.hidden = append(l.hidden, false)
	return i
}

// hides tells whether label i (-1 for none) hides its products.
func (l *labels) hides(i int32) bool {
	return i >= 0 && l.hidden[i]
}

func (l *labels) clone() *labels {
	return &labels{
		index:  maps.Clone(l.index),
		ids:    slices.Clone(l.ids),
		names:  slices.Clone(l.names),
		text:   slices.Clone(l.text),
		up:     slices.Clone(l.up),
		down:   make([][]int32, len(l.down)),
		hidden: slices.Clone(l.hidden),
	}
}

// load sets the names, the active flags and (for a tree, the categories)
// the parents from rows: all the labels there are. A known label missing
// from rows keeps its number, unnamed.
func (l *labels) load(rows []Label, tree bool) {
	for i := range l.ids {
		l.names[i], l.up[i], l.down[i], l.hidden[i] = "", -1, nil, false
	}
	inactive := map[int32]bool{}
	for _, r := range rows {
		i := l.lookup(r.Id)
		if i < 0 {
			continue
		}
		l.names[i] = r.Name
		if !r.Active {
			inactive[i] = true
		}
	}
	if tree {
		for _, r := range rows {
			if r.Id != "" && r.Parent != "" {
				i, parent := l.index[r.Id], l.lookup(r.Parent)
				l.up[i] = parent
				l.down[parent] = append(l.down[parent], i)
			}
		}
	}
	for i := range l.ids {
		l.text[i] = l.names[i]
		l.hidden[i] = inactive[int32(i)]
		if tree {
			l.text[i] = strings.Join(l.path(int32(i)), textSeparator)
			l.hidden[i] = l.pathInactive(int32(i), inactive)
		}
	}
}

// pathInactive tells whether category i or one of its ancestors is inactive.
func (l *labels) pathInactive(i int32, inactive map[int32]bool) bool {
	seen := map[int32]bool{}
	for i >= 0 && !seen[i] {
		if inactive[i] {
			return true
		}
		seen[i] = true // note: guards against a cycle made in the dashboard
		i = l.up[i]
	}
	return false
}

// path returns the names from the root category down to i, stopping at a
// missing category (empty if i itself is missing).
func (l *labels) path(i int32) []string {
	var up []string
	seen := map[int32]bool{}
	for i >= 0 && !seen[i] && l.names[i] != "" {
		seen[i] = true // note: guards against a cycle made in the dashboard
		up = append(up, l.names[i])
		i = l.up[i]
	}
	slices.Reverse(up)
	return up
}

// subtree returns i and all its descendants.
func (l *labels) subtree(i int32) []int32 {
	result := []int32{i}
	seen := map[int32]bool{i: true}
	for k := 0; k < len(result); k++ {
		for _, c := range l.down[result[k]] {
			if !seen[c] {
				seen[c] = true
				result = append(result, c)
			}
		}
	}
	return result
}
