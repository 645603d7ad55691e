package call

// Len returns the number of live calls: what Calls would list, without
// the snapshots (the status display asks at every call's start and end).
func (m *Manager) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.calls)
}
