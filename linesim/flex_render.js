// Renders LINE Flex messages (bubble, carousel; box, text, span, image, icon, button, separator, filler,
// spacer) and template messages into DOM nodes, close to how the LINE app lays them out. Everything the bot
// wrote goes in through textContent or checked URLs, never as HTML.
"use strict";

(function () {
  const SPACING = {none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20};
  const TEXT_SIZE = {xxs: 11, xs: 13, sm: 14, md: 16, lg: 19, xl: 22, xxl: 29, "3xl": 35, "4xl": 48, "5xl": 74};
  const IMAGE_SIZE = {xxs: 40, xs: 60, sm: 80, md: 100, lg: 120, xl: 140, xxl: 160, "3xl": 180, "4xl": 200,
                      "5xl": 240, full: "100%"};
  const ICON_SIZE = TEXT_SIZE;
  const BUBBLE_WIDTH = {nano: 120, micro: 160, deca: 220, hecto: 241, kilo: 260, mega: 300, giga: 386};
  const CORNER = {none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20};
  const BORDER = {none: 0, light: 0.5, normal: 1, medium: 2, "semi-bold": 3, bold: 4};
  const JUSTIFY = {"flex-start": "flex-start", "flex-end": "flex-end", center: "center",
                   "space-between": "space-between", "space-around": "space-around", "space-evenly": "space-evenly"};
  const GREEN = "#17c950";

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function length(value, scale) {
    if (value === undefined || value === null) return null;
    if (typeof value === "number") return value + "px";
    if (scale && Object.prototype.hasOwnProperty.call(scale, value)) {
      const v = scale[value];
      return typeof v === "number" ? v + "px" : v;
    }
    if (/^-?\d+(\.\d+)?(px|%)$/.test(String(value))) return String(value);
    return null;
  }

  function safeUrl(url) {
    return typeof url === "string" && /^(https?:|data:image\/)/i.test(url) ? url : "";
  }

  function color(value) {
    return typeof value === "string" && /^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/.test(value) ? value : null;
  }

  // Margin, offsets, padding, sizes and position shared by every component.
  function common(node, c, parentLayout, index) {
    const margin = length(c.margin, SPACING);
    if (margin && index > 0) {
      if (parentLayout === "vertical") node.style.marginTop = margin;
      else node.style.marginLeft = margin;
    }
    if (c.position === "absolute") node.style.position = "absolute";
    for (const side of ["Top", "Bottom", "Start", "End"]) {
      const value = length(c["offset" + side], SPACING);
      if (!value) continue;
      const prop = side === "Start" ? "left" : side === "End" ? "right" : side.toLowerCase();
      if (c.position !== "absolute") node.style.position = "relative";
      node.style[prop] = value;
    }
    if (c.alignSelf) node.style.alignSelf = c.alignSelf;
  }

  function flexOf(node, c, parentLayout) {
    // LINE: children of a horizontal box share its width (flex 1), those of a vertical one keep their size.
    const horizontal = parentLayout === "horizontal" || parentLayout === "baseline";
    const grow = c.flex !== undefined ? Number(c.flex) : horizontal ? 1 : 0;
    node.style.flex = grow > 0 ? grow + " 0 0" : "0 0 auto";
    if (horizontal) node.style.minWidth = "0";
  }

  function clickable(node, action, runAction) {
    if (!action) return;
    node.classList.add("flex-tappable");
    node.dataset.actionType = action.type || "";
    node.addEventListener("click", (event) => { event.stopPropagation(); runAction(action); });
  }

  function renderText(c, layout, runAction) {
    const node = el("div", "flex-text");
    const size = length(c.size, TEXT_SIZE) || "14px";
    node.style.fontSize = size;
    if (c.weight === "bold") node.style.fontWeight = "700";
    if (color(c.color)) node.style.color = c.color;
    if (c.align) node.style.textAlign = {start: "left", end: "right", center: "center"}[c.align] || "left";
    if (c.style === "italic") node.style.fontStyle = "italic";
    if (c.decoration === "underline" || c.decoration === "line-through") node.style.textDecoration = c.decoration;
    if (c.lineSpacing) node.style.lineHeight = "calc(1.4em + " + (length(c.lineSpacing) || "0px") + ")";
    if (c.wrap) {
      node.classList.add("wrap");
      if (c.maxLines && Number(c.maxLines) > 0) {
        node.classList.add("clamped");
        node.style.webkitLineClamp = String(c.maxLines);
      }
    } else {
      node.classList.add("nowrap");
    }
    if (c.gravity) node.style.alignSelf = {top: "flex-start", bottom: "flex-end", center: "center"}[c.gravity];
    if (Array.isArray(c.contents) && c.contents.length) {
      c.contents.forEach((span) => {
        if (!span || span.type !== "span") return;
        const s = el("span", "flex-span", span.text || "");
        if (color(span.color)) s.style.color = span.color;
        if (span.weight === "bold") s.style.fontWeight = "700";
        const spanSize = length(span.size, TEXT_SIZE);
        if (spanSize) s.style.fontSize = spanSize;
        if (span.style === "italic") s.style.fontStyle = "italic";
        if (span.decoration) s.style.textDecoration = span.decoration;
        node.appendChild(s);
      });
    } else {
      node.textContent = c.text === undefined ? "" : String(c.text);
    }
    clickable(node, c.action, runAction);
    return node;
  }

  function renderImage(c, runAction) {
    const frame = el("div", "flex-image");
    const size = length(c.size, IMAGE_SIZE) || "100px";
    frame.style.width = size;
    frame.style.maxWidth = "100%";
    const ratio = String(c.aspectRatio || "1:1").split(":").map(Number);
    if (ratio.length === 2 && ratio[0] > 0 && ratio[1] > 0) frame.style.aspectRatio = ratio[0] + " / " + ratio[1];
    if (color(c.backgroundColor)) frame.style.backgroundColor = c.backgroundColor;
    frame.style.alignSelf = {start: "flex-start", end: "flex-end"}[c.align] || "center";
    const img = el("img");
    img.alt = "";
    img.src = safeUrl(c.url);
    img.style.objectFit = c.aspectMode === "cover" ? "cover" : "contain";
    frame.appendChild(img);
    clickable(frame, c.action, runAction);
    return frame;
  }

  function renderIcon(c) {
    const img = el("img", "flex-icon");
    img.alt = "";
    img.src = safeUrl(c.url);
    const size = length(c.size, ICON_SIZE) || "16px";
    img.style.width = size;
    img.style.height = size;
    return img;
  }

  function buttonLabel(action) {
    return action ? (action.label || action.displayText || action.text || action.type) : "";
  }

  function renderButton(c, runAction) {
    const style = c.style || "link";
    const button = el("button", "flex-button style-" + style, buttonLabel(c.action));
    button.type = "button";
    button.style.height = c.height === "sm" ? "40px" : "52px";
    const custom = color(c.color);
    if (style === "primary") {
      button.style.backgroundColor = custom || GREEN;
    } else if (style === "secondary") {
      button.style.backgroundColor = custom || "#dcdfe5";
    } else if (custom) {
      button.style.color = custom;
    }
    if (c.action) {
      button.dataset.actionType = c.action.type || "";
      if (c.action.data) button.dataset.data = c.action.data;
      button.addEventListener("click", () => runAction(c.action));
    }
    return button;
  }

  function renderSeparator(c, layout) {
    const node = el("div", "flex-separator " + (layout === "vertical" ? "across" : "down"));
    if (color(c.color)) node.style.borderColor = c.color;
    return node;
  }

  function renderComponent(c, layout, index, runAction) {
    if (!c || typeof c !== "object") return null;
    let node;
    switch (c.type) {
      case "box": node = renderBox(c, runAction); break;
      case "text": node = renderText(c, layout, runAction); break;
      case "image": node = renderImage(c, runAction); break;
      case "icon": node = renderIcon(c); break;
      case "button": node = renderButton(c, runAction); break;
      case "separator": node = renderSeparator(c, layout); break;
      case "filler": node = el("div", "flex-filler"); node.style.flex = (c.flex || 1) + " 0 0"; return node;
      case "spacer": node = el("div", "flex-spacer"); node.style.flex = "0 0 " + (length(c.size, SPACING) || "8px"); return node;
      case "video": node = c.altContent ? renderComponent(c.altContent, layout, index, runAction) : el("div", "flex-video", "🎬"); break;
      default: node = el("div", "flex-unknown", "[" + c.type + "]");
    }
    if (!node) return null;
    if (c.type !== "separator") flexOf(node, c, layout);
    common(node, c, layout, index);
    return node;
  }

  function renderBox(c, runAction) {
    const layout = c.layout === "horizontal" || c.layout === "baseline" ? c.layout : "vertical";
    const box = el("div", "flex-box layout-" + layout);
    box.dataset.layout = layout;
    const gap = length(c.spacing, SPACING);
    if (gap) box.style.gap = gap;
    const padding = length(c.paddingAll, SPACING);
    if (padding) box.style.padding = padding;
    for (const side of ["Top", "Bottom", "Start", "End"]) {
      const value = length(c["padding" + side], SPACING);
      if (value) box.style["padding" + (side === "Start" ? "Left" : side === "End" ? "Right" : side)] = value;
    }
    if (color(c.backgroundColor)) box.style.backgroundColor = c.backgroundColor;
    if (color(c.borderColor)) box.style.borderColor = c.borderColor;
    const border = length(c.borderWidth, BORDER);
    if (border) { box.style.borderWidth = border; box.style.borderStyle = "solid"; }
    const corner = length(c.cornerRadius, CORNER);
    if (corner) box.style.borderRadius = corner;
    if (JUSTIFY[c.justifyContent]) box.style.justifyContent = JUSTIFY[c.justifyContent];
    if (c.alignItems) box.style.alignItems = c.alignItems;
    const width = length(c.width);
    if (width) box.style.width = width;
    const height = length(c.height);
    if (height) box.style.height = height;
    const maxWidth = length(c.maxWidth);
    if (maxWidth) box.style.maxWidth = maxWidth;
    const maxHeight = length(c.maxHeight);
    if (maxHeight) box.style.maxHeight = maxHeight;
    (Array.isArray(c.contents) ? c.contents : []).forEach((child, i) => {
      const node = renderComponent(child, layout, i, runAction);
      if (node) box.appendChild(node);
    });
    clickable(box, c.action, runAction);
    return box;
  }

  function renderBubble(bubble, runAction) {
    const node = el("div", "flex-bubble");
    node.dataset.size = bubble.size || "mega";
    node.style.width = (BUBBLE_WIDTH[bubble.size] || BUBBLE_WIDTH.mega) + "px";
    if (bubble.direction === "rtl") node.dir = "rtl";
    const styles = bubble.styles || {};
    ["header", "hero", "body", "footer"].forEach((part, i) => {
      const content = bubble[part];
      if (!content) return;
      const section = el("div", "flex-section flex-" + part);
      const style = styles[part] || {};
      if (color(style.backgroundColor)) section.style.backgroundColor = style.backgroundColor;
      if (style.separator && i > 0) {
        section.style.borderTop = "1px solid " + (color(style.separatorColor) || "#e5e5e5");
      }
      const rendered = content.type === "box" ? renderBox(content, runAction)
        : renderComponent(content, "vertical", 0, runAction);
      if (rendered) {
        if (part === "hero") rendered.style.width = "100%";
        section.appendChild(rendered);
      }
      node.appendChild(section);
    });
    clickable(node, bubble.action, runAction);
    return node;
  }

  function renderFlex(contents, runAction) {
    if (!contents) return el("div", "flex-unknown", "[flex]");
    if (contents.type === "carousel") {
      const carousel = el("div", "flex-carousel");
      (contents.contents || []).forEach((bubble) => carousel.appendChild(renderBubble(bubble, runAction)));
      return carousel;
    }
    return renderBubble(contents, runAction);
  }

  function templateButtons(actions, runAction, cls) {
    const box = el("div", cls || "template-actions");
    (actions || []).forEach((action) => {
      const button = el("button", "flex-button style-link", buttonLabel(action));
      button.type = "button";
      button.dataset.actionType = action.type || "";
      button.addEventListener("click", () => runAction(action));
      box.appendChild(button);
    });
    return box;
  }

  function templateCard(column, runAction) {
    const card = el("div", "flex-bubble template-card");
    if (column.thumbnailImageUrl) {
      const img = el("img", "template-thumb");
      img.alt = "";
      img.src = safeUrl(column.thumbnailImageUrl);
      card.appendChild(img);
    }
    const body = el("div", "flex-section flex-body");
    if (column.title) body.appendChild(el("div", "flex-text wrap template-title", column.title));
    if (column.text) body.appendChild(el("div", "flex-text wrap", column.text));
    card.appendChild(body);
    card.appendChild(templateButtons(column.actions, runAction));
    return card;
  }

  function renderTemplate(template, runAction) {
    if (!template) return el("div", "flex-unknown", "[template]");
    if (template.type === "carousel" || template.type === "image_carousel") {
      const carousel = el("div", "flex-carousel");
      (template.columns || []).forEach((column) => {
        const c = template.type === "image_carousel"
          ? {thumbnailImageUrl: column.imageUrl, actions: column.action ? [column.action] : []} : column;
        carousel.appendChild(templateCard(c, runAction));
      });
      return carousel;
    }
    if (template.type === "confirm") {
      const card = el("div", "flex-bubble template-card");
      const body = el("div", "flex-section flex-body");
      body.appendChild(el("div", "flex-text wrap", template.text || ""));
      card.appendChild(body);
      card.appendChild(templateButtons(template.actions, runAction, "template-actions confirm"));
      return card;
    }
    return templateCard(template, runAction);  // buttons
  }

  window.FlexRender = {renderFlex, renderTemplate, safeUrl};
})();
