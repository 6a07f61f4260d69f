package sharing

import (
	"container/list"
	"sync"
)

// cache is a small least-recently-used map of rendered images, bounded by
// count and by total size (a poster with a product photo can weigh 1 MB).
type cache struct {
	mu       sync.Mutex
	max      int
	maxBytes int
	bytes    int
	order    *list.List // front = most recently used
	items    map[string]*list.Element
}

type cacheEntry struct {
	key  string
	data []byte
}

func newCache(max, maxBytes int) *cache {
	return &cache{max: max, maxBytes: maxBytes, order: list.New(), items: map[string]*list.Element{}}
}

func (c *cache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).data, true
}

func (c *cache) put(key string, data []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(data) > c.maxBytes {
		return // would evict everything else and then itself
	}
	if el, ok := c.items[key]; ok {
		entry := el.Value.(*cacheEntry)
		c.bytes += len(data) - len(entry.data)
		entry.data = data
		c.order.MoveToFront(el)
	} else {
		c.items[key] = c.order.PushFront(&cacheEntry{key: key, data: data})
		c.bytes += len(data)
	}
	for c.order.Len() > c.max || c.bytes > c.maxBytes {
		last := c.order.Back()
		entry := last.Value.(*cacheEntry)
		c.order.Remove(last)
		delete(c.items, entry.key)
		c.bytes -= len(entry.data)
	}
}
