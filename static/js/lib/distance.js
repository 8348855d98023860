/* Distances as the server computes and says them, for what the phone must work out itself: the places
 * near a position with no signal.
 *
 * The server is the reference (geotour.domain.geodesy with pyproj.Geod, geotour.web.i18n.format_distance);
 * the steps and the locale's symbols come from it (the map's cfg.distance), and tests/test_js_agrees.py
 * checks that both sides give the same metres and the same words. */

const A = 6378137;
const F = 1 / 298.257223563;
const B = A * (1 - F);
const RAD = Math.PI / 180;

/** Python's round(): halves go to the even neighbour, as the server (and Babel) rounds. */
export function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function groupDigits(whole, group) {
  return String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, group);
}

/** Say a distance as format_distance does, with its steps and the locale's symbols (`steps`, from the
 * server): "350 m", "2,4 km" (id) or "2.4 km" (en), "12 km". */
export function formatDistance(metres, steps) {
  if (metres < steps.km_from_m) {
    return (metres >= steps.tens_from_m ? roundHalfEven(metres / 10) * 10 : roundHalfEven(metres)) + " m";
  }
  if (metres >= steps.whole_km_from_m) return groupDigits(roundHalfEven(metres / 1000), steps.group) + " km";
  const tenths = roundHalfEven(metres / 100);
  const whole = Math.floor(tenths / 10);
  const rest = tenths % 10;
  return groupDigits(whole, steps.group) + (rest ? steps.decimal + rest : "") + " km";
}

/** Distance on the WGS84 ellipsoid in metres (Vincenty's inverse formula; within a millimetre of
 * pyproj.Geod at the geopark's scale). */
export function geodesic(lat1, lon1, lat2, lon2) {
  const L = (lon2 - lon1) * RAD;
  const U1 = Math.atan((1 - F) * Math.tan(lat1 * RAD));
  const U2 = Math.atan((1 - F) * Math.tan(lat2 * RAD));
  const sinU1 = Math.sin(U1);
  const cosU1 = Math.cos(U1);
  const sinU2 = Math.sin(U2);
  const cosU2 = Math.cos(U2);
  let lambda = L;
  let prev, sinS, cosS, sigma, cos2A, cos2Sm;
  let i = 0;
  do {
    const sinL = Math.sin(lambda);
    const cosL = Math.cos(lambda);
    sinS = Math.sqrt((cosU2 * sinL) ** 2 + (cosU1 * sinU2 - sinU1 * cosU2 * cosL) ** 2);
    if (sinS === 0) return 0;
    cosS = sinU1 * sinU2 + cosU1 * cosU2 * cosL;
    sigma = Math.atan2(sinS, cosS);
    const sinA = (cosU1 * cosU2 * sinL) / sinS;
    cos2A = 1 - sinA * sinA;
    cos2Sm = cos2A ? cosS - (2 * sinU1 * sinU2) / cos2A : 0;
    const C = (F / 16) * cos2A * (4 + F * (4 - 3 * cos2A));
    prev = lambda;
    lambda = L + (1 - C) * F * sinA * (sigma + C * sinS * (cos2Sm + C * cosS * (-1 + 2 * cos2Sm * cos2Sm)));
  } while (Math.abs(lambda - prev) > 1e-12 && ++i < 100);
  const u2 = (cos2A * (A * A - B * B)) / (B * B);
  const bigA = 1 + (u2 / 16384) * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
  const bigB = (u2 / 1024) * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
  const dS =
    bigB *
    sinS *
    (cos2Sm +
      (bigB / 4) *
        (cosS * (-1 + 2 * cos2Sm * cos2Sm) -
          (bigB / 6) * cos2Sm * (-3 + 4 * sinS * sinS) * (-3 + 4 * cos2Sm * cos2Sm)));
  return B * bigA * (sigma - dS);
}

/** The initial bearing from the first point to the second, in degrees clockwise from north (0–360). */
export function bearing(lat1, lon1, lat2, lon2) {
  const dLon = (lon2 - lon1) * RAD;
  const la1 = lat1 * RAD;
  const la2 = lat2 * RAD;
  const y = Math.sin(dLon) * Math.cos(la2);
  const x = Math.cos(la1) * Math.sin(la2) - Math.sin(la1) * Math.cos(la2) * Math.cos(dLon);
  return (Math.atan2(y, x) / RAD + 360) % 360;
}
