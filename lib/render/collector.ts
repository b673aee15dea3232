/**
 * What rendering one page collects while its body renders: the islands it
 * used (so the shell loads only their scripts) and its `<title>`.
 *
 * @module
 */
import { createContext } from "preact";

/** An island instance placed on the page. */
export interface IslandUse {
  /** The island's name, its file's base name in `islands/`. */
  name: string;
  /** Page-unique id, in render order from 0. */
  id: number;
}

/** Per-render state; one per {@linkcode renderBody} call. */
export interface RenderCollector {
  islands: IslandUse[];
  title?: string;
}

/** Creates an empty collector. */
export function createCollector(): RenderCollector {
  return { islands: [] };
}

/** The collector of the render in progress; `null` outside {@linkcode renderBody}. */
export const CollectorContext = createContext<RenderCollector | null>(null);
