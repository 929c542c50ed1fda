/*
 * Vigil backtest report: draws one Chart.js chart per metric from the data in #vigil-data (gzipped
 * JSON in base64, series packed as in src/report/series-codec.ts). Every setting is overlaid on the
 * metric's chart and toggled by its checkbox; drag zooms, shift-drag pans (chartjs-plugin-zoom);
 * a flagged period's row zooms to it; the ranking filters and sorts. Collapsed metrics are drawn
 * when opened. Runs in the browser, inlined into the report by src/report/html-report.ts; no network.
 * Exposes window.__vigilCharts (Chart instances by metric index) and window.__vigilReady for tests.
 */
(() => {
  const Chart = window.Chart;
  if (window.ChartZoom) Chart.register(window.ChartZoom);
  const charts = [];
  window.__vigilCharts = charts;

  // Colours: one meaning each (html-report.ts COLOURS holds the same values for the legend).
  const COLOURS = {
    observed: "#1f4e79",
    expected: "#2e7d32",
    band: "rgba(96,125,139,0.18)",
    bandLine: "rgba(96,125,139,0.75)",
    warning: "rgba(255,193,7,0.28)",
    critical: "rgba(214,39,40,0.18)",
    flagged: "#d62728",
    settings: ["#455a64", "#6a1b9a", "#00838f", "#ef6c00", "#5d4037", "#ad1457"],
  };

  /** The browser's twin of series-codec.ts unpackSeries. */
  function unpack(packed) {
    const scale = 10 ** packed.e;
    let q = 0;
    return packed.d.map((delta) => {
      if (delta === null) return null;
      q += delta;
      return q * scale;
    });
  }

  /** A band: expected + k·σ + residual (series-codec.ts unpackBand). */
  function unpackBand(packed, expected, sigma) {
    return unpack(packed.r).map((r, i) =>
      r === null ? null : (expected[i] ?? 0) + packed.k * (sigma[i] ?? 0) + r,
    );
  }

  /** A series, or "same as setting N's" (series-codec.ts packDeduplicated). */
  function resolve(metric, variant, field) {
    const own = variant[field];
    return "same" in own ? metric.variants[own.same][field] : own;
  }

  async function readData() {
    const text = document.getElementById("vigil-data").textContent.trim();
    const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).json();
  }

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

  /** A setting's series, unpacked once; z derived from observed, expected and σ. */
  function expand(metric, variant) {
    const observed = unpack(variant.observed ?? metric.observed);
    const expected = unpack(resolve(metric, variant, "expected"));
    const sigma = unpack(resolve(metric, variant, "sigma"));
    const z = observed.map((o, i) =>
      o === null || expected[i] === null || !sigma[i] ? null : (o - expected[i]) / sigma[i],
    );
    return {
      ...variant,
      observed,
      expected,
      sigma,
      z,
      upper: unpackBand(variant.upper, expected, sigma),
      lower: unpackBand(variant.lower, expected, sigma),
    };
  }

  function settingDatasets(variant, setting, visible) {
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
    const colour = COLOURS.settings[setting % COLOURS.settings.length];
    const common = { hidden: !visible, pointRadius: 0, $setting: setting };
    return [
      {
        ...common,
        label: `S${setting + 1} expected`,
        data: points(variant.expected),
        borderColor: setting === 0 ? COLOURS.expected : colour,
        borderDash: [5, 4],
        borderWidth: 1.2,
        order: 2,
      },
      {
        ...common,
        label: `S${setting + 1} upper threshold`,
        data: points(upper),
        borderColor: setting === 0 ? COLOURS.bandLine : colour,
        borderWidth: 1,
        fill: false,
        order: 3,
      },
      {
        ...common,
        label: `S${setting + 1} threshold band`,
        data: points(lower),
        borderColor: setting === 0 ? COLOURS.bandLine : colour,
        backgroundColor: COLOURS.band,
        borderWidth: 1,
        fill: "-1",
        order: 4,
      },
      {
        ...common,
        label: `S${setting + 1} flagged`,
        type: "scatter",
        data: variant.flagged.map((index) => ({ x: x(index), y: variant.observed[index] })),
        backgroundColor: setting === 0 ? COLOURS.flagged : colour,
        borderColor: "#7f0000",
        pointStyle: ["circle", "rect", "triangle", "rectRot", "star", "crossRot"][setting % 6],
        pointRadius: 4,
        pointHoverRadius: 6,
        order: 0,
      },
    ];
  }

  function annotationsFor(variants, visible) {
    const boxes = {};
    variants.forEach((variant, setting) => {
      if (!visible[setting]) return;
      variant.episodes.forEach((episode, index) => {
        boxes[`s${setting}episode${index}`] = {
          type: "box",
          xMin: episode.start,
          xMax: episode.end,
          backgroundColor: episode.severity === "critical" ? COLOURS.critical : COLOURS.warning,
          borderWidth: 0,
          drawTime: "beforeDatasetsDraw",
        };
      });
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

  function draw(metric, index) {
    const canvas = document.getElementById(`chart-${index}`);
    if (!canvas || charts[index]) return;
    const variants = metric.variants.map((v) => expand(metric, v));
    const visible = variants.map((_, i) => i === 0);
    const first = variants[0];
    const periodMs = first.periodSeconds * 1000;
    const end = first.start + first.observed.length * periodMs;
    // The setting whose numbers the tooltip shows: the lowest one shown.
    const shown = () => variants[Math.max(0, visible.indexOf(true))];
    const chart = new Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          {
            label: "observed",
            data: first.observed.map((y, i) => ({ x: first.start + i * periodMs, y })),
            borderColor: COLOURS.observed,
            backgroundColor: COLOURS.observed,
            borderWidth: 1.2,
            pointRadius: 0,
            pointHitRadius: 4,
            order: 1,
          },
          ...variants.flatMap((v, i) => settingDatasets(v, i, visible[i])),
        ],
      },
      options: {
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
            title: { display: true, text: "time (UTC)" },
            ticks: {
              stepSize: tickStep(end - first.start),
              includeBounds: false,
              maxRotation: 0,
              callback: (value) => formatTime(value, 86400),
            },
          },
          y: {
            title: { display: true, text: metric.axis },
            ticks: { callback: (value) => formatNumber(value) },
          },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            filter: (item) => item.datasetIndex === 0,
            callbacks: {
              title: (items) =>
                items[0] ? formatTime(items[0].parsed.x, first.periodSeconds) : "",
              label: (item) => tooltipLines(shown(), item.dataIndex),
            },
          },
          annotation: { annotations: annotationsFor(variants, visible) },
          zoom: {
            limits: { x: { min: first.start, max: end, minRange: 6 * periodMs } },
            pan: { enabled: true, mode: "x", modifierKey: "shift" },
            zoom: {
              drag: { enabled: true },
              wheel: { enabled: true, modifierKey: "ctrl" },
              mode: "x",
            },
          },
        },
      },
    });
    chart.$vigil = {
      metric: index,
      visible,
      /** Flagged points drawn now, per setting shown. */
      flagged: () =>
        chart.data.datasets
          .filter((d) => d.type === "scatter" && !d.hidden)
          .reduce((sum, d) => sum + d.data.length, 0),
    };
    charts[index] = chart;

    for (const box of document.querySelectorAll(`input[data-metric="${index}"][data-setting]`)) {
      box.addEventListener("change", () => {
        const setting = Number(box.dataset.setting);
        visible[setting] = box.checked;
        for (const dataset of chart.data.datasets) {
          if (dataset.$setting === setting) dataset.hidden = !box.checked;
        }
        chart.options.plugins.annotation.annotations = annotationsFor(variants, visible);
        chart.update();
      });
    }
    document.querySelector(`button[data-reset="${index}"]`)?.addEventListener("click", () => {
      chart.resetZoom();
    });
    for (const row of document.querySelectorAll(
      `table.flags[data-metric="${index}"] tr[data-time]`,
    )) {
      row.addEventListener("click", () => {
        const time = Number(row.dataset.time);
        const setting = Number(row.dataset.setting);
        const box = document.querySelector(
          `input[data-metric="${index}"][data-setting="${setting}"]`,
        );
        if (box && !box.checked) box.click();
        // A day either side (at least 12 periods) around the flagged period.
        const margin = Math.max(86400000, 12 * periodMs);
        chart.zoomScale("x", { min: time - margin, max: time + margin + periodMs }, "none");
        canvas.scrollIntoView({ block: "center" });
      });
    }
  }

  /** The ranking: type to filter rows, click a header to sort (again to reverse). */
  function wireSummary() {
    const table = document.getElementById("summary-table");
    const filter = document.getElementById("summary-filter");
    const count = document.getElementById("summary-count");
    if (!table) return;
    const body = table.tBodies[0];
    filter?.addEventListener("input", () => {
      const words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const row of body.rows) {
        const text = row.textContent.toLowerCase();
        const match = words.every((w) => text.includes(w));
        row.hidden = !match;
        if (match) shown++;
      }
      if (count) count.textContent = `${shown} shown`;
    });
    [...table.tHead.rows[0].cells].forEach((cell, column) => {
      if (!cell.dataset.sort) return;
      cell.addEventListener("click", () => {
        const descending = cell.dataset.dir !== "desc";
        cell.dataset.dir = descending ? "desc" : "asc";
        const key = (row) => {
          const c = row.cells[column];
          return cell.dataset.sort === "num"
            ? Number(c.dataset.value)
            : c.textContent.toLowerCase();
        };
        const rows = [...body.rows].sort((a, b) => {
          const [x, y] = [key(a), key(b)];
          const order = x < y ? -1 : x > y ? 1 : 0;
          return descending ? -order : order;
        });
        body.append(...rows);
      });
    });
    // A metric's link opens its (maybe collapsed) section first.
    for (const link of table.querySelectorAll("a[data-open]")) {
      link.addEventListener("click", () => {
        const section = document.getElementById(`metric-${link.dataset.open}`);
        if (section) section.open = true;
      });
    }
  }

  readData().then((data) => {
    wireSummary();
    data.metrics.forEach((metric, index) => {
      const section = document.getElementById(`metric-${index}`);
      if (section?.open) draw(metric, index);
      section?.addEventListener("toggle", () => {
        if (section.open) draw(metric, index);
      });
    });
    window.__vigilReady = true;
  });
})();
