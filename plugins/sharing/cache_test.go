package sharing

import (
	"bytes"
	"testing"
)

func TestCacheEvictsByCountAndSize(t *testing.T) {
	c := newCache(3, 100)
	c.put("a", make([]byte, 10))
	c.put("b", make([]byte, 10))
	c.put("c", make([]byte, 10))
	c.get("a") // a is now the most recently used
	c.put("d", make([]byte, 10))
	if _, ok := c.get("b"); ok {
		t.Fatal("least recently used entry b not evicted at the count bound")
	}
	for _, k := range []string{"a", "c", "d"} {
		if _, ok := c.get(k); !ok {
			t.Fatalf("%s evicted", k)
		}
	}

	// 80 more bytes pass the size bound: the oldest go until it fits
	c.put("big", bytes.Repeat([]byte{1}, 80))
	if c.bytes > 100 || c.order.Len() != 3 {
		t.Fatalf("%d bytes in %d entries", c.bytes, c.order.Len())
	}
	if _, ok := c.get("a"); ok {
		t.Fatal("a kept past the size bound")
	}
	// replacing an entry accounts for the difference; too big is not kept
	c.put("big", make([]byte, 5))
	c.put("huge", make([]byte, 101))
	if _, ok := c.get("huge"); ok || c.bytes != 25 {
		t.Fatalf("bytes %d after replace, huge kept %v", c.bytes, ok)
	}
}
