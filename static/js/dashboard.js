/* The supervisor dashboard: ECharts charts (the ranking table is sorted and paged on the
   server, so a sort orders every department, not only the page's; the close's confirmation is
   tables.js's, as every form with data-confirm). */
(function () {
  "use strict";

  const dataElement = document.getElementById("chart-data");
  if (!dataElement || typeof echarts === "undefined") { return; }
  const data = JSON.parse(dataElement.textContent);
  // Bars stand out 3:1 or more from the white chart (WCAG 1.4.11): a yellow bar by its dark amber
  // outline, so it stays the light's yellow; each light is also named in the ranking table.
  const colours = { green: "#2e7d32", yellow: "#f9a825", red: "#c62828" };
  const outlines = { yellow: "#8a6100" };

  const ratesElement = document.getElementById("chart-rates");
  const rates = echarts.init(ratesElement);
  // Every bar named where they fit (16 px each); on a phone some names, the tooltip has them all.
  const everyName = ratesElement.clientWidth / Math.max(data.departments.length, 1) >= 16;
  rates.setOption({
    animation: false,
    grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", valueFormatter: (v) => v + "%" },
    // A page of the ranking has up to 30 bars: their names stand upright beyond 15.
    xAxis: { type: "category", data: data.departments, axisLabel: { interval: everyName ? 0 : "auto", rotate: data.departments.length > 15 ? 90 : (data.departments.length > 6 ? 40 : 0) } },
    yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
    series: [{
      name: data.labels.rate,
      type: "bar",
      data: data.rates.map((value, index) => ({ value: value, itemStyle: {
        color: colours[data.lights[index]] || "#78909c",
        borderColor: outlines[data.lights[index]] || "transparent",
        borderWidth: 1,
      } })),
      markLine: {
        symbol: "none",
        lineStyle: { color: "#1565c0", type: "dashed", width: 2 },
        label: { formatter: data.labels.progress + " {c}%", position: "insideEndTop" },
        data: [{ yAxis: data.progress }],
      },
    }],
  });

  const trend = echarts.init(document.getElementById("chart-trend"));
  trend.setOption({
    animation: false,
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    legend: { top: 0 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.months.map((m) => m + "月") },
    yAxis: { type: "value" },
    series: [
      { name: data.labels.year, type: "line", data: data.values, smooth: true },
      { name: data.labels.previous_year, type: "line", data: data.previous, smooth: true, lineStyle: { type: "dashed" } },
    ],
  });
  window.addEventListener("resize", () => { rates.resize(); trend.resize(); });
})();
