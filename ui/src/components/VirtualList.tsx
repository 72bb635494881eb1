// A fixed-row-height virtualised list: only the visible rows (plus overscan) are in the DOM.
import { useEffect, useLayoutEffect, useRef, useState } from "react";

export function visibleRange(scrollTop: number, height: number, rowHeight: number, count: number, overscan = 8): [number, number] {
  const first = Math.min(count, Math.max(0, Math.floor(scrollTop / rowHeight) - overscan));
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  return [first, Math.max(first, last)];
}

export function VirtualList<T>(props: {
  items: T[];
  rowHeight: number;
  renderRow: (item: T, index: number) => React.ReactNode;
  className?: string;
  onEndReached?: () => void;
  scrollToIndex?: number | null;
  testId?: string;
}) {
  const { items, rowHeight } = props;
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setHeight(el.clientHeight || 600);
    if (typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight || 600));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const el = ref.current;
    const i = props.scrollToIndex;
    if (!el || i == null || i < 0) return;
    const top = i * rowHeight;
    if (top < el.scrollTop || top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = Math.max(0, top - el.clientHeight / 3);
  }, [props.scrollToIndex, rowHeight]);

  const [first, last] = visibleRange(scrollTop, height, rowHeight, items.length);
  const onEnd = props.onEndReached;
  useEffect(() => {
    if (onEnd && items.length > 0 && last >= items.length - 5) onEnd();
  }, [last, items.length, onEnd]);

  const rows = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <div key={i} className="vrow" style={{ position: "absolute", top: i * rowHeight, height: rowHeight, left: 0, right: 0 }}>
        {props.renderRow(items[i], i)}
      </div>,
    );
  }
  return (
    <div ref={ref} className={`vlist ${props.className || ""}`} data-testid={props.testId} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <div style={{ position: "relative", height: items.length * rowHeight }}>{rows}</div>
    </div>
  );
}
