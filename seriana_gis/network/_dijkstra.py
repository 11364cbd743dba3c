"""Compiled shortest-path trees that release the GIL (numba), run on every core.

One tree is Dijkstra's algorithm on a CSR matrix (``indptr``, ``indices``,
``data``: the least weight of each arc) with a 4-ary heap of (time, node)
entries and lazy deletion (a node may be pushed again with a smaller time;
the stale entry is skipped when it comes out). Every time is the sum of arc
weights along one path, in path order, as
:func:`networkx.single_source_dijkstra_path_length` adds them.

:func:`trees` grows one tree per source and writes, for each, either every
node's time (``columns=None``) or only the times of the given columns; in the
second case a tree stops as soon as every wanted column is settled, and no
(sources × all nodes) array is ever allocated. Trees are shared out in blocks
between threads; the kernels run without the GIL (``nogil=True``), so the
threads run on separate cores. Each block allocates its scratch arrays (a few
bytes per node and arc: times, heap), so memory is the answer plus one
scratch set per thread, whatever the number of trees.

A time over ``limit`` is ``inf`` (as :func:`scipy.sparse.csgraph.dijkstra`'s
``limit``), and so is an unreachable node.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

from .._parallel import usable_cores

#: Children per heap node (a 4-ary heap: shallower than a binary one, its children adjacent).
_ARITY = 4


@numba.njit(nogil=True, cache=True)
def _grow(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    source: int,
    limit: float,
    dist: np.ndarray,
    heap_key: np.ndarray,
    heap_node: np.ndarray,
    touched: np.ndarray,
    wanted: np.ndarray,
    n_wanted: int,
) -> int:
    """One tree from ``source`` into ``dist``; returns how many nodes it touched.

    ``dist`` must be ``inf`` everywhere on entry (the caller resets the
    touched nodes afterwards). The heap holds (time, node) entries, a node
    possibly several times (lazy deletion: an entry whose time is above the
    node's current time is stale and skipped); ``heap_key``/``heap_node`` need
    room for one entry per arc plus one. ``wanted[v]`` = 1 marks a node whose
    settling counts towards ``n_wanted`` (the tree stops when all are settled;
    ``n_wanted`` <= 0 grows the whole tree). On return every node whose time
    is <= ``limit`` and every wanted node has its final time.
    """
    n_touched = 1
    touched[0] = source
    dist[source] = 0.0
    heap_key[0] = 0.0
    heap_node[0] = source
    size = 1
    remaining = n_wanted
    while size > 0:
        du = heap_key[0]
        u = heap_node[0]
        if du > limit:
            break
        size -= 1
        if size > 0:  # the last entry goes to the root and sinks
            key = heap_key[size]
            node = heap_node[size]
            i = 0
            while True:
                first = _ARITY * i + 1
                if first >= size:
                    break
                best = first
                best_key = heap_key[first]
                stop = min(first + _ARITY, size)
                for c in range(first + 1, stop):
                    if heap_key[c] < best_key:
                        best_key = heap_key[c]
                        best = c
                if best_key >= key:
                    break
                heap_key[i] = best_key
                heap_node[i] = heap_node[best]
                i = best
            heap_key[i] = key
            heap_node[i] = node
        if du > dist[u]:
            continue  # stale entry
        if remaining > 0:
            remaining -= wanted[u]
            if remaining <= 0:
                break
        for k in range(indptr[u], indptr[u + 1]):
            v = indices[k]
            nd = du + data[k]
            if nd < dist[v]:
                if dist[v] == np.inf:
                    touched[n_touched] = v
                    n_touched += 1
                dist[v] = nd
                i = size  # a new entry rises from the bottom
                size += 1
                while i > 0:
                    parent = (i - 1) // _ARITY
                    if heap_key[parent] <= nd:
                        break
                    heap_key[i] = heap_key[parent]
                    heap_node[i] = heap_node[parent]
                    i = parent
                heap_key[i] = nd
                heap_node[i] = v
    return n_touched


@numba.njit(nogil=True, cache=True)
def _block(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    sources: np.ndarray,
    limit: float,
    columns: np.ndarray,
    full: bool,
    missing: float,
    out: np.ndarray,
    first_row: int,
    dist: np.ndarray,
    heap_key: np.ndarray,
    heap_node: np.ndarray,
    touched: np.ndarray,
    wanted: np.ndarray,
) -> None:
    """Trees from ``sources``, written to ``out[first_row + i]`` (all nodes or ``columns``)."""
    n_wanted = 0
    if not full:
        for c in columns:
            if wanted[c] == 0:
                wanted[c] = 1
                n_wanted += 1
    for i in range(len(sources)):
        nt = _grow(
            indptr,
            indices,
            data,
            sources[i],
            limit,
            dist,
            heap_key,
            heap_node,
            touched,
            wanted,
            n_wanted,
        )
        row = first_row + i
        if full:
            for v in range(len(dist)):
                out[row, v] = dist[v] if dist[v] <= limit and dist[v] < np.inf else missing
        else:
            for j in range(len(columns)):
                dv = dist[columns[j]]
                out[row, j] = dv if dv <= limit and dv < np.inf else missing
        for t in range(nt):
            dist[touched[t]] = np.inf
    if not full:
        for c in columns:
            wanted[c] = 0


#: Below this many node visits (trees × nodes) the trees run in the calling thread:
#: starting threads would cost more than they save.
PARALLEL_MIN_WORK = 1_000_000


def _scratch(n: int, m: int) -> tuple[np.ndarray, ...]:
    """Scratch arrays for ``n`` nodes and ``m`` arcs (the heap's pages are touched only as used)."""
    return (
        np.full(n, np.inf),  # times
        np.empty(m + 1, dtype=np.float64),  # heap keys
        np.empty(m + 1, dtype=np.int32),  # heap nodes
        np.empty(n, dtype=np.int32),  # touched
        np.zeros(n, dtype=np.int32),  # wanted
    )


def trees(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    sources: np.ndarray,
    *,
    columns: np.ndarray | None = None,
    limit: float = math.inf,
    missing: float = math.inf,
    threads: int | None = None,
    block: int | None = None,
) -> np.ndarray:
    """Shortest-path trees from ``sources`` on a CSR graph, in parallel threads.

    Parameters
    ----------
    indptr, indices, data
        The CSR arrays (``int32`` or ``int64`` positions, ``float64`` weights,
        finite and >= 0).
    sources
        Node positions, one tree each.
    columns
        Node positions whose times are wanted (all nodes when ``None``).
    limit
        Times over ``limit`` are ``missing``.
    missing
        The value written where a node is unreachable or over ``limit``
        (``inf``; the public functions ask for NaN, saving a pass over the answer).
    threads
        Threads to use (when ``None``: :func:`seriana_gis._parallel.usable_cores`, or
        one for less than :data:`PARALLEL_MIN_WORK` node visits).
    block
        Trees per task handed to a thread (a few tasks per thread when ``None``).

    Returns
    -------
    numpy.ndarray
        Shape ``(len(sources), n)`` or ``(len(sources), len(columns))``, float64,
        ``missing`` where unreachable or over ``limit``.
    """
    n = len(indptr) - 1
    m = len(indices)
    src = np.ascontiguousarray(sources, dtype=np.int64)
    full = columns is None
    cols = np.empty(0, dtype=np.int64) if full else np.ascontiguousarray(columns, dtype=np.int64)
    out = np.empty((len(src), n if full else len(cols)), dtype=np.float64)
    if len(src) == 0:
        return out
    n_threads = max(1, min(threads or usable_cores(), len(src)))
    if threads is None and len(src) * n < PARALLEL_MIN_WORK:
        n_threads = 1
    step = block or max(1, math.ceil(len(src) / (4 * n_threads)))

    def run(start: int) -> None:
        dist, heap_key, heap_node, touched, wanted = _scratch(n, m)
        _block(
            indptr,
            indices,
            data,
            src[start : start + step],
            float(limit),
            cols,
            full,
            float(missing),
            out,
            start,
            dist,
            heap_key,
            heap_node,
            touched,
            wanted,
        )

    starts = range(0, len(src), step)
    if n_threads == 1:
        for s in starts:
            run(s)
    else:
        with ThreadPoolExecutor(max_workers=n_threads) as pool:
            for f in [pool.submit(run, s) for s in starts]:
                f.result()
    return out
