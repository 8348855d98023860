"""Public HTML pages: the tourist map, site and business pages, embeds and oEmbed, signboards,
photos, the sitemap and robots.txt. May import geotour.web and everything it may."""
