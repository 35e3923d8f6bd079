// Eleventy settings for the benchmark: posts tagged "post", and for films, actors and tags
// (front matter key "topics", since Eleventy reserves "tags") a paginated page per term, an
// index of terms, and an Atom feed per film and per actor. bench/peers.py writes
// _data/slugs.json (term name -> URL slug) beside the converted posts.
import fs from "node:fs";
import path from "node:path";

const PER_PAGE = 10;
const KINDS = { films: "films", actors: "actors", tags: "topics" };
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];

export default function (eleventyConfig) {
  const here = path.dirname(new URL(import.meta.url).pathname);
  const slugs = JSON.parse(fs.readFileSync(path.join(here, "_data", "slugs.json"), "utf8"));

  const newestFirst = (api) => api.getFilteredByTag("post").slice().sort((a, b) => b.date - a.date);
  const termsOf = (api, kind) => {
    const key = KINDS[kind];
    const byName = new Map();
    for (const post of newestFirst(api)) {
      for (const name of post.data[key] || []) {
        if (!byName.has(name)) byName.set(name, { kind, name, slug: slugs[kind][name], posts: [] });
        byName.get(name).posts.push(post);
      }
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  };

  eleventyConfig.addCollection("posts", (api) => newestFirst(api));
  eleventyConfig.addCollection("termIndexes", (api) =>
    Object.keys(KINDS).map((kind) => ({ kind, terms: termsOf(api, kind) })));
  eleventyConfig.addCollection("termPages", (api) => {
    const pages = [];
    for (const kind of Object.keys(KINDS)) {
      for (const term of termsOf(api, kind)) {
        const total = Math.ceil(term.posts.length / PER_PAGE);
        for (let i = 0; i < total; i++) {
          pages.push({ kind, term, number: i + 1, total, posts: term.posts.slice(i * PER_PAGE, (i + 1) * PER_PAGE) });
        }
      }
    }
    return pages;
  });
  eleventyConfig.addCollection("termFeeds", (api) => ["films", "actors"].flatMap((kind) => termsOf(api, kind)));

  eleventyConfig.addFilter("isoDate", (d) => new Date(d).toISOString());
  eleventyConfig.addFilter("longDate", (d) => {
    const date = new Date(d);
    return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
  });
  eleventyConfig.addFilter("take", (list, n) => list.slice(0, n));

  return {
    dir: { input: ".", includes: "_includes", data: "_data", output: "_site" },
    markdownTemplateEngine: false,
    htmlTemplateEngine: "njk",
    templateFormats: ["md", "njk"],
  };
}
