"""A small thread-safe LRU cache bounded by the total cost of its entries."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any


class LruCache:
    """A thread-safe least-recently-used map bounded by the summed cost of its values.

    The cost is whatever the caller counts: bytes for frames and images, 1 for headers.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[Any, tuple[Any, int]] = OrderedDict()
        self._used = 0
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        """Return the value cached under key, or None."""
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: Any, value: Any, cost: int = 1) -> None:
        """Cache a value, evicting the least recently used ones beyond the capacity."""
        with self._lock:
            if cost > self.capacity:
                return
            old = self._items.pop(key, None)
            if old is not None:
                self._used -= old[1]
            self._items[key] = (value, cost)
            self._used += cost
            while self._used > self.capacity:
                _, (_, freed) = self._items.popitem(last=False)
                self._used -= freed

    def resize(self, capacity: int) -> None:
        """Change the capacity, evicting as needed."""
        with self._lock:
            self.capacity = capacity
            while self._used > capacity and self._items:
                _, (_, freed) = self._items.popitem(last=False)
                self._used -= freed

    @property
    def used(self) -> int:
        """Total cost of the cached values."""
        return self._used
