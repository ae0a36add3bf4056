// Demo unit tree for Lai Châu province after the 1 July 2025 reorganisation: no district federations any more;
// grassroots unions sit under ward/commune unions or under a provincial sectoral union, and one sits directly under
// the provincial federation (the tree has no fixed depth).
//
// Commune and ward names are the post-2025 units of Resolution 1670/NQ-UBTVQH15 (Tân Phong and Đoàn Kết wards; Phong
// Thổ, Bình Lư — seat of the former Tam Đường district —, Than Uyên and Sìn Hồ communes). Enterprise, school and
// hospital names are modelled on Lai Châu's economy (hydropower, rubber, tea, electricity, construction) but are
// ILLUSTRATIVE: neither the names nor the worker and member counts are official data.
//
// Note for real deployments (shared/docs/domain.md §a.2, §b): the 2025 reorganisation ended local sectoral unions in
// many provinces, and units paid 100 % from the state budget (most public schools) left VGCL membership on 1/6/2025.
// The two sectoral unions and the school unions below are kept for the demo; check a province's actual tree.

export type DemoUnitType =
  | "PROVINCE_FEDERATION"
  | "COMMUNE_UNION"
  | "INDUSTRIAL_PARK_UNION"
  | "SECTORAL_UNION"
  | "GRASSROOTS"
  | "FREELANCE_GRASSROOTS";

export type DemoUnit = {
  code: string;
  name: string;
  type: DemoUnitType;
  parentCode?: string;
  workerCount?: number;
  memberCount?: number;
};

/** Flat list, parents before children. Counts are given for grassroots unions only; upper levels are sums. */
export const LAI_CHAU_DEMO: DemoUnit[] = [
  { code: "LC", name: "Liên đoàn Lao động tỉnh Lai Châu", type: "PROVINCE_FEDERATION" },

  // Ward and commune unions (công đoàn phường, xã)
  { code: "LC-TP", name: "Công đoàn phường Tân Phong", type: "COMMUNE_UNION", parentCode: "LC" },
  { code: "LC-DK", name: "Công đoàn phường Đoàn Kết", type: "COMMUNE_UNION", parentCode: "LC" },
  { code: "LC-PT", name: "Công đoàn xã Phong Thổ", type: "COMMUNE_UNION", parentCode: "LC" },
  { code: "LC-BL", name: "Công đoàn xã Bình Lư", type: "COMMUNE_UNION", parentCode: "LC" },
  { code: "LC-TU", name: "Công đoàn xã Than Uyên", type: "COMMUNE_UNION", parentCode: "LC" },
  { code: "LC-SH", name: "Công đoàn xã Sìn Hồ", type: "COMMUNE_UNION", parentCode: "LC" },

  // Provincial sectoral unions (công đoàn ngành)
  { code: "LC-GD", name: "Công đoàn ngành Giáo dục tỉnh Lai Châu", type: "SECTORAL_UNION", parentCode: "LC" },
  { code: "LC-YT", name: "Công đoàn ngành Y tế tỉnh Lai Châu", type: "SECTORAL_UNION", parentCode: "LC" },

  // Directly under the provincial federation
  { code: "LC-BD", name: "Công đoàn Bưu điện tỉnh Lai Châu", type: "GRASSROOTS", parentCode: "LC", workerCount: 138, memberCount: 131 },

  // Phường Tân Phong
  { code: "LC-TP-DL", name: "Công đoàn Công ty Điện lực Lai Châu", type: "GRASSROOTS", parentCode: "LC-TP", workerCount: 423, memberCount: 411 },
  { code: "LC-TP-NS", name: "Công đoàn Công ty Cổ phần Nước sạch Lai Châu", type: "GRASSROOTS", parentCode: "LC-TP", workerCount: 136, memberCount: 124 },
  { code: "LC-TP-MT", name: "Công đoàn Khách sạn Mường Thanh Luxury Lai Châu", type: "GRASSROOTS", parentCode: "LC-TP", workerCount: 94, memberCount: 57 },
  { code: "LC-TP-XOM", name: "Nghiệp đoàn cơ sở xe ôm công nghệ phường Tân Phong", type: "FREELANCE_GRASSROOTS", parentCode: "LC-TP", workerCount: 48, memberCount: 31 },

  // Phường Đoàn Kết
  { code: "LC-DK-CSLC", name: "Công đoàn Công ty Cổ phần Cao su Lai Châu", type: "GRASSROOTS", parentCode: "LC-DK", workerCount: 1164, memberCount: 1027 },
  { code: "LC-DK-AGR", name: "Công đoàn Agribank Chi nhánh tỉnh Lai Châu", type: "GRASSROOTS", parentCode: "LC-DK", workerCount: 262, memberCount: 258 },
  { code: "LC-DK-XDGT", name: "Công đoàn Công ty Cổ phần Xây dựng Giao thông Lai Châu", type: "GRASSROOTS", parentCode: "LC-DK", workerCount: 182, memberCount: 97 },
  { code: "LC-DK-CHO", name: "Nghiệp đoàn cơ sở tiểu thương Chợ Trung tâm Lai Châu", type: "FREELANCE_GRASSROOTS", parentCode: "LC-DK", workerCount: 118, memberCount: 63 },

  // Xã Phong Thổ
  { code: "LC-PT-NN2", name: "Công đoàn Công ty Cổ phần Thủy điện Nậm Na 2", type: "GRASSROOTS", parentCode: "LC-PT", workerCount: 62, memberCount: 55 },
  { code: "LC-PT-NN3", name: "Công đoàn Công ty Cổ phần Thủy điện Nậm Na 3", type: "GRASSROOTS", parentCode: "LC-PT", workerCount: 57, memberCount: 41 },
  { code: "LC-PT-DH", name: "Công đoàn Công ty Cổ phần Đất hiếm Lai Châu", type: "GRASSROOTS", parentCode: "LC-PT", workerCount: 76, memberCount: 58 },

  // Xã Bình Lư
  { code: "LC-BL-CHE", name: "Công đoàn Công ty TNHH Chè Tam Đường", type: "GRASSROOTS", parentCode: "LC-BL", workerCount: 87, memberCount: 52 },
  { code: "LC-BL-VLXD", name: "Công đoàn Công ty Cổ phần Vật liệu Xây dựng Bình Lư", type: "GRASSROOTS", parentCode: "LC-BL", workerCount: 71, memberCount: 38 },

  // Xã Than Uyên
  { code: "LC-TU-HQBC", name: "Công đoàn Công ty Thủy điện Huội Quảng - Bản Chát", type: "GRASSROOTS", parentCode: "LC-TU", workerCount: 309, memberCount: 305 },
  { code: "LC-TU-CHE", name: "Công đoàn Công ty Cổ phần Chè Than Uyên", type: "GRASSROOTS", parentCode: "LC-TU", workerCount: 164, memberCount: 118 },

  // Xã Sìn Hồ
  { code: "LC-SH-NC", name: "Công đoàn Công ty Cổ phần Thủy điện Nậm Củm", type: "GRASSROOTS", parentCode: "LC-SH", workerCount: 41, memberCount: 33 },
  { code: "LC-SH-HTX", name: "Công đoàn Hợp tác xã Dịch vụ Nông nghiệp Sìn Hồ", type: "GRASSROOTS", parentCode: "LC-SH", workerCount: 26, memberCount: 19 },

  // Công đoàn ngành Y tế
  { code: "LC-YT-BVDK", name: "Công đoàn Bệnh viện Đa khoa tỉnh Lai Châu", type: "GRASSROOTS", parentCode: "LC-YT", workerCount: 524, memberCount: 511 },
  { code: "LC-YT-TU", name: "Công đoàn Trung tâm Y tế khu vực Than Uyên", type: "GRASSROOTS", parentCode: "LC-YT", workerCount: 178, memberCount: 174 },

  // Công đoàn ngành Giáo dục
  { code: "LC-GD-LQD", name: "Công đoàn Trường THPT Chuyên Lê Quý Đôn", type: "GRASSROOTS", parentCode: "LC-GD", workerCount: 86, memberCount: 86 },
  { code: "LC-GD-DTNT", name: "Công đoàn Trường Phổ thông Dân tộc Nội trú tỉnh Lai Châu", type: "GRASSROOTS", parentCode: "LC-GD", workerCount: 72, memberCount: 70 },
  { code: "LC-GD-CD", name: "Công đoàn Trường Cao đẳng Lai Châu", type: "GRASSROOTS", parentCode: "LC-GD", workerCount: 153, memberCount: 141 },
];
