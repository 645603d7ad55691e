package prompt

// The memory bookkeeping of Cache. Every function here needs c.mu held.

// addLocked makes a decoded entry live: counted, and most recent in the LRU
// ring unless pinned.
func (c *Cache) addLocked(e *entry) {
	e.live = true
	c.stats.Entries++
	if e.pinned {
		c.stats.PinnedBytes += e.audio.size()
		return
	}
	c.stats.Bytes += e.audio.size()
	c.pushFrontLocked(e)
}

// removeLocked forgets e: it leaves the entry map, the LRU ring, the counts
// and every name that resolved to it. A Get still holding its audio keeps it.
func (c *Cache) removeLocked(e *entry) {
	if c.entries[e.key] == e {
		delete(c.entries, e.key)
	}
	if !e.live {
		return
	}
	e.live = false
	c.stats.Entries--
	if e.pinned {
		c.stats.PinnedBytes -= e.audio.size()
	} else {
		c.stats.Bytes -= e.audio.size()
		e.prev.next, e.next.prev = e.next, e.prev
		e.prev, e.next = nil, nil
	}
	for _, n := range e.names {
		if r := c.names[n]; r != nil && r.e == e {
			delete(c.names, n)
		}
	}
	e.names = nil
}

// touchLocked counts a hit on e and makes it the most recently used.
func (c *Cache) touchLocked(e *entry) {
	c.stats.Hits++
	if e.pinned || c.lru.next == e {
		return
	}
	e.prev.next, e.next.prev = e.next, e.prev
	c.pushFrontLocked(e)
}

func (c *Cache) pushFrontLocked(e *entry) {
	e.prev, e.next = &c.lru, c.lru.next
	c.lru.next.prev = e
	c.lru.next = e
}

// rememberLocked records that name resolved to the live entry e just now.
func (c *Cache) rememberLocked(name string, e *entry) {
	now := c.now()
	if r := c.names[name]; r != nil && r.e == e {
		r.checked = now
		return
	}
	c.names[name] = &nameRef{e: e, checked: now}
	e.names = append(e.names, name)
}

// evictLocked drops the least recently used entries until the unpinned ones
// fit in the budget.
func (c *Cache) evictLocked() {
	for c.stats.Bytes > c.maxBytes && c.lru.prev != &c.lru {
		e := c.lru.prev
		c.log.Debug("prompt: evicted", "file", e.audio.Name, "bytes", e.audio.size())
		c.removeLocked(e)
	}
}

// dropPlaceLocked forgets every entry that came from place (a mount prefix
// that was replaced or removed), including decodings still in progress.
func (c *Cache) dropPlaceLocked(place string) {
	for k, e := range c.entries {
		if k.place == place {
			c.removeLocked(e)
		}
	}
}
