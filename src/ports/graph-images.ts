import type { MetricWidget } from "../domain/cloudwatch-link.ts";

/** A rendered graph that a pager can show: a URL it can fetch, and words for when it cannot. */
export interface GraphImage {
  url: string;
  alt: string;
}

/** Renders a metric widget (the metric with its band) as an image reachable by URL. */
export interface GraphImages {
  render(widget: MetricWidget, name: string): Promise<GraphImage>;
}
