/*
 * Vigil backtest report: draws one Chart.js chart per metric from the JSON in #vigil-data.
 * Runs in the browser, inlined into the report by src/report/html-report.ts; no network.
 * Exposes window.__vigilCharts (the Chart instances) and window.__vigilReady for tests.
 */
(() => {
  const data = JSON.parse(document.getElementById("vigil-data").textContent);
  const Chart = window.Chart;
  const charts = [];
  window.__vigilCharts = charts;

  const UNITS = ["", "k", "M", "G", "T", "P", "E"];
  /** 1234 → "1.23k", as the CLI prints numbers. */
  function formatNumber(value) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    const sign = value < 0 ? "-" : "";
    let magnitude = Math.abs(value);
    let unit = 0;
    while (magnitude >= 999.5 && unit < UNITS.length - 1) {
      magnitude /= 1000;
      unit++;
    }
    return `${sign}${Number(magnitude.toPrecision(3))}${UNITS[unit]}`;
  }

  function formatTime(timestamp, periodSeconds) {
    const text = new Date(timestamp).toISOString();
    return periodSeconds >= 86400 ? text.slice(0, 10) : `${text.slice(0, 16).replace("T", " ")}Z`;
  }

  /** Tick spacing in ms: whole days (or 6 hours) so labels fall on round times. */
  function tickStep(spanMs) {
    const day = 86400000;
    if (spanMs <= 3 * day) return day / 4;
    if (spanMs <= 21 * day) return day;
    if (spanMs <= 120 * day) return 7 * day;
    return 28 * day;
  }

  function datasetsFor(variant) {
    const periodMs = variant.periodSeconds * 1000;
    const x = (index) => variant.start + index * periodMs;
    let top = 0;
    let bottom = 0;
    for (const values of [variant.observed, variant.upper, variant.lower]) {
      for (const v of values) {
        if (v !== null && v > top) top = v;
        if (v !== null && v < bottom) bottom = v;
      }
    }
    // A side that is not watched has no threshold: the band reaches the chart's edge there.
    const upper = variant.upper.map((v, i) =>
      v !== null ? v : variant.lower[i] !== null ? top : null,
    );
    const lower = variant.lower.map((v, i) =>
      v !== null ? v : variant.upper[i] !== null ? bottom : null,
    );
    const points = (values) => values.map((y, index) => ({ x: x(index), y }));
    return [
      {
        label: "observed",
        data: points(variant.observed),
        borderColor: "#1f4e79",
        backgroundColor: "#1f4e79",
        borderWidth: 1.2,
        pointRadius: 0,
        pointHitRadius: 4,
        order: 1,
      },
      {
        label: "expected",
        data: points(variant.expected),
        borderColor: "#2e7d32",
        borderDash: [5, 4],
        borderWidth: 1.2,
        pointRadius: 0,
        order: 2,
      },
      {
        label: "upper threshold",
        data: points(upper),
        borderColor: "rgba(255,152,0,0.7)",
        borderWidth: 1,
        pointRadius: 0,
        fill: false,
        order: 3,
      },
      {
        label: "threshold band",
        data: points(lower),
        borderColor: "rgba(255,152,0,0.7)",
        backgroundColor: "rgba(255,152,0,0.16)",
        borderWidth: 1,
        pointRadius: 0,
        fill: "-1",
        order: 4,
      },
      {
        label: "flagged",
        type: "scatter",
        data: variant.flagged.map((index) => ({ x: x(index), y: variant.observed[index] })),
        backgroundColor: "#d62728",
        borderColor: "#7f0000",
        pointRadius: 4,
        pointHoverRadius: 6,
        order: 0,
      },
    ];
  }

  function annotationsFor(variant) {
    const boxes = {};
    variant.episodes.forEach((episode, index) => {
      const critical = episode.severity === "critical";
      boxes[`episode${index}`] = {
        type: "box",
        xMin: episode.start,
        xMax: episode.end,
        backgroundColor: critical ? "rgba(214,39,40,0.14)" : "rgba(255,152,0,0.16)",
        borderWidth: 0,
        drawTime: "beforeDatasetsDraw",
      };
    });
    return boxes;
  }

  function tooltipLines(variant, index) {
    const z = variant.z[index];
    const lines = [
      `observed ${formatNumber(variant.observed[index])}`,
      `expected ${formatNumber(variant.expected[index])}`,
      `σ ${formatNumber(variant.sigma[index])}`,
      `z ${z === null ? "–" : z.toFixed(2)}`,
    ];
    if (variant.upper[index] !== null)
      lines.push(`upper threshold ${formatNumber(variant.upper[index])}`);
    if (variant.lower[index] !== null)
      lines.push(`lower threshold ${formatNumber(variant.lower[index])}`);
    if (variant.flagged.includes(index)) lines.push("FLAGGED");
    return lines;
  }

  function optionsFor(metric, state) {
    const variant = () => metric.variants[state.shown];
    const first = variant();
    const periodMs = first.periodSeconds * 1000;
    const end = first.start + first.observed.length * periodMs;
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: true,
      normalized: true,
      interaction: { mode: "nearest", axis: "x", intersect: false },
      scales: {
        x: {
          type: "linear",
          min: first.start,
          max: end,
          ticks: {
            stepSize: tickStep(end - first.start),
            includeBounds: false,
            maxRotation: 0,
            callback: (value) => formatTime(value, 86400),
          },
        },
        y: { ticks: { callback: (value) => formatNumber(value) } },
      },
      plugins: {
        legend: { display: false },
        tooltip: {
          filter: (item) => item.datasetIndex === 0,
          callbacks: {
            title: (items) =>
              items[0] ? formatTime(items[0].parsed.x, variant().periodSeconds) : "",
            label: (item) => tooltipLines(variant(), item.dataIndex),
          },
        },
        annotation: { annotations: annotationsFor(first) },
      },
    };
  }

  data.metrics.forEach((metric, index) => {
    const canvas = document.getElementById(`chart-${index}`);
    if (!canvas) return;
    const state = { shown: 0 };
    const chart = new Chart(canvas, {
      type: "line",
      data: { datasets: datasetsFor(metric.variants[0]) },
      options: optionsFor(metric, state),
    });
    chart.$vigil = { metric: index, flagged: () => metric.variants[state.shown].flagged.length };
    charts.push(chart);
    const select = document.querySelector(`select[data-metric="${index}"]`);
    if (select) {
      select.addEventListener("change", () => {
        state.shown = Number(select.value);
        const variant = metric.variants[state.shown];
        chart.data.datasets = datasetsFor(variant);
        chart.options.plugins.annotation.annotations = annotationsFor(variant);
        const periodMs = variant.periodSeconds * 1000;
        chart.options.scales.x.min = variant.start;
        chart.options.scales.x.max = variant.start + variant.observed.length * periodMs;
        chart.update();
      });
    }
  });
  window.__vigilReady = true;
})();
