-- wrk script for the counting endpoint: a phone's page-view beacon (bench/front.py, bench_counting).
wrk.method = "POST"
wrk.body = "event=view&place=curug-sodong&source=direct"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["User-Agent"] = "Mozilla/5.0 (Linux; Android 11; SM-A115F) Chrome/120.0 Mobile Safari/537.36"
